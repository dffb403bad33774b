/**
 * Logging. One `Log` interface used everywhere (no `console.*` outside this file and `main.ts`).
 * Backed by LogTape; records go to stderr as text or as one JSON object per line
 * (`{"time","level","message",...fields}`).
 *
 * @module
 */
import { configureSync, getLogger, type LogRecord, resetSync } from "@logtape/logtape";
import type { Log, LogFields } from "./reactor.d.ts";

/** Levels accepted by `--log-level`. */
export const LOG_LEVELS = ["trace", "debug", "info", "warning", "error", "fatal"] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = typeof LOG_LEVELS[number];
/** Output format for `--log-format`. */
export type LogFormat = "text" | "json";
// The logger interface is the public one (`ctx.log` in a reactor.config.ts).
export type { Log, LogFields };

/** Normalise user spellings (`warn` → `warning`). Returns undefined when unknown. */
export function parseLogLevel(value: string): LogLevel | undefined {
  const v = value.toLowerCase();
  if (v === "warn") return "warning";
  return (LOG_LEVELS as readonly string[]).includes(v) ? v as LogLevel : undefined;
}

/** Render one record as a JSON line (exported for tests). */
export function formatJson(record: LogRecord): string {
  const out: Record<string, unknown> = {
    time: new Date(record.timestamp).toISOString(),
    level: record.level === "warning" ? "warn" : record.level,
    message: renderMessage(record),
  };
  for (const [k, v] of Object.entries(record.properties)) {
    if (!(k in out)) out[k] = v instanceof Error ? v.message : v;
  }
  return JSON.stringify(out, (_k, v) => typeof v === "bigint" ? v.toString() : v) + "\n";
}

/** Render one record as a human line: `time LEVEL message key=value …` (exported for tests). */
export function formatText(record: LogRecord): string {
  const lvl = (record.level === "warning" ? "warn" : record.level).toUpperCase().padEnd(5);
  const fields = Object.entries(record.properties)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${textValue(v)}`)
    .join(" ");
  const time = new Date(record.timestamp).toISOString();
  return `${time} ${lvl} ${renderMessage(record)}${fields ? ` ${fields}` : ""}\n`;
}

function textValue(v: unknown): string {
  if (v instanceof Error) return JSON.stringify(v.message);
  const s = typeof v === "string"
    ? v
    : JSON.stringify(v, (_k, x) => typeof x === "bigint" ? x.toString() : x);
  return /^[\w.:/@%+,-]+$/.test(s ?? "") ? s : JSON.stringify(s);
}

function renderMessage(record: LogRecord): string {
  return record.message.map((p) => typeof p === "string" ? p : JSON.stringify(p)).join("");
}

/** Where records go; tests may capture them. */
export type LogWriter = (line: string) => void;

const encoder = new TextEncoder();
function stderrWriter(line: string): void {
  try {
    Deno.stderr.writeSync(encoder.encode(line));
  } catch {
    // stderr closed: nothing sensible to do
  }
}

/** Severity order of {@link LOG_LEVELS}. */
const ORDER: Record<LogLevel, number> = {
  trace: 0,
  debug: 1,
  info: 2,
  warning: 3,
  error: 4,
  fatal: 5,
};
/**
 * The lowest level `setupLogging` lets through: records below it are dropped before any work
 * (no field merging, no LogTape call). Until logging is set up, LogTape decides.
 */
let lowest = 0;

/** Configure the process-wide logger. Safe to call again (reconfigures). */
export function setupLogging(
  opts: { level?: LogLevel; format?: LogFormat; writer?: LogWriter } = {},
): void {
  const format = opts.format === "json" ? formatJson : formatText;
  const writer = opts.writer ?? stderrWriter;
  resetSync();
  configureSync({
    reset: true,
    sinks: { out: (record: LogRecord) => writer(format(record)) },
    loggers: [
      { category: ["reactor"], lowestLevel: opts.level ?? "info", sinks: ["out"] },
      { category: ["logtape", "meta"], lowestLevel: "error", sinks: ["out"] },
    ],
  });
  lowest = ORDER[opts.level ?? "info"];
}

/** Get a logger, optionally with fields bound. */
export function getLog(fields: LogFields = {}): Log {
  return wrap(() => fields);
}

const logger = getLogger(["reactor"]);

/**
 * A logger whose bound fields are merged only when a record is actually written (a `child()` per
 * event costs one small object, and nothing at all below the level).
 */
function wrap(bound: () => LogFields): Log {
  let merged: LogFields | undefined;
  const fields = () => merged ??= bound();
  const with_ = (f?: LogFields) => f ? { ...fields(), ...f } : fields();
  return {
    debug: (m, f) => void (lowest <= ORDER.debug && logger.debug(m, with_(f))),
    info: (m, f) => void (lowest <= ORDER.info && logger.info(m, with_(f))),
    warn: (m, f) => void (lowest <= ORDER.warning && logger.warn(m, with_(f))),
    error: (m, f) => void (lowest <= ORDER.error && logger.error(m, with_(f))),
    child: (f) => wrap(() => ({ ...fields(), ...f })),
  };
}
