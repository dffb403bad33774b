/**
 * A dependency-free logger for the managed (v2) plugin entry point, whose rootfs carries no npm
 * packages. Same line format as reactor's text log: `time LEVEL message key=value …`. It writes
 * to stdout by default: dockerd logs a managed plugin's stdout at level info and its stderr at
 * level error.
 *
 * @module
 */
import type { PluginLog } from "./network.ts";

/** Levels, lowest first. */
export const PLAIN_LEVELS = ["debug", "info", "warn", "error"] as const;
/** One of {@link PLAIN_LEVELS}. */
export type PlainLevel = typeof PLAIN_LEVELS[number];

function value(v: unknown): string {
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return /^[\w.:/@%+,-]+$/.test(s ?? "") ? s : JSON.stringify(s);
}

/** Format one record (exported for tests). */
export function formatPlain(
  level: PlainLevel,
  message: string,
  fields: Record<string, unknown> = {},
  time = new Date(),
): string {
  const kv = Object.entries(fields).filter(([, v]) => v !== undefined).map(([k, v]) =>
    `${k}=${value(v)}`
  );
  return `${time.toISOString()} ${level.toUpperCase().padEnd(5)} ${message}${
    kv.length ? ` ${kv.join(" ")}` : ""
  }\n`;
}

/** A {@link PluginLog} writing records at or above `level` with `write` (default: stdout). */
export function plainLog(
  level: PlainLevel = "info",
  write: (line: string) => void = writeStdout,
): PluginLog {
  const min = PLAIN_LEVELS.indexOf(level);
  const at = (l: PlainLevel) => (m: string, f?: Record<string, unknown>) => {
    if (PLAIN_LEVELS.indexOf(l) >= min) write(formatPlain(l, m, f));
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

const encoder = new TextEncoder();
function writeStdout(line: string): void {
  try {
    const data = encoder.encode(line);
    for (let off = 0; off < data.length;) off += Deno.stdout.writeSync(data.subarray(off));
  } catch { /* stdout closed */ }
}
