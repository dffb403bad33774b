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

/** Options of {@link formatText}. */
export interface TextOptions {
  /** ANSI colours for the level (only on a terminal, never with `NO_COLOR`). */
  color?: boolean;
}

const COLORS: Record<string, string> = {
  trace: "\x1b[90m",
  debug: "\x1b[90m",
  info: "\x1b[36m",
  warning: "\x1b[33m",
  error: "\x1b[31m",
  fatal: "\x1b[1;31m",
};
const DIM = "\x1b[2m";
const RESET = "\x1b[0m";

/**
 * Render one record as a human line: `2026-05-04 10:11:12.345 INFO  message key=value …` in
 * local time. Durations (`…Ms` fields) read `delay=4.2s`, nanosecond cursors read as times, and
 * values with spaces or quotes are double-quoted (exported for tests).
 */
export function formatText(record: LogRecord, opts: TextOptions = {}): string {
  const name = (record.level === "warning" ? "warn" : record.level).toUpperCase().padEnd(5);
  const lvl = opts.color ? `${COLORS[record.level] ?? ""}${name}${RESET}` : name;
  const fields = Object.entries(record.properties)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => {
      const [key, value] = textField(k, v);
      return opts.color ? `${DIM}${key}=${RESET}${value}` : `${key}=${value}`;
    })
    .join(" ");
  const time = localTime(record.timestamp);
  return `${time} ${lvl} ${renderMessage(record)}${fields ? ` ${fields}` : ""}\n`;
}

/** `2026-05-04 10:11:12.345` in local time. */
export function localTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${
    p(d.getMinutes())
  }:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** A duration for people: `250ms`, `4.2s`, `2m30s`, `1h5m`. */
export function humanDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(Math.round(ms / 100) / 10).toString()}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ""}`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)}h${m % 60 ? `${m % 60}m` : ""}`;
}

const NANO_TIME_KEYS = new Set(["since", "until", "timeNano", "cursor"]);

function textField(k: string, v: unknown): [string, string] {
  if (typeof v === "number" && /[a-z]Ms$/.test(k) && Number.isFinite(v)) {
    return [k.slice(0, -2), humanDuration(v)];
  }
  if (NANO_TIME_KEYS.has(k) && typeof v === "string" && /^\d{19}$/.test(v)) {
    return [k, textValue(localTime(Number(BigInt(v) / 1_000_000n)))];
  }
  return [k, textValue(v)];
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

/**
 * Colours for text logs: only when stderr is a terminal, and never when `NO_COLOR` is set to
 * anything but "" (https://no-color.org).
 */
export function useColor(
  env: { get(k: string): string | undefined } = Deno.env,
  isTerminal: () => boolean = () => Deno.stderr.isTerminal(),
): boolean {
  return !env.get("NO_COLOR") && isTerminal();
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

/** Severity of each level: its place in {@link LOG_LEVELS}. */
const ORDER = Object.fromEntries(LOG_LEVELS.map((l, i) => [l, i])) as Record<LogLevel, number>;
/**
 * The lowest level `setupLogging` lets through: records below it are dropped before any work
 * (no field merging, no LogTape call). Until logging is set up, LogTape decides.
 */
let lowest = 0;

/** Configure the process-wide logger. Safe to call again (reconfigures). */
export function setupLogging(
  opts: { level?: LogLevel; format?: LogFormat; writer?: LogWriter; color?: boolean } = {},
): void {
  const text = { color: !!opts.color };
  const format = opts.format === "json" ? formatJson : (r: LogRecord) => formatText(r, text);
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
