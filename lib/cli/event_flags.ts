/**
 * `reactor events --since/--until/--filter`, read the way `docker events` reads them: a time is
 * a Unix timestamp (`1700000000`, `1700000000.5`), a date (`2026-05-04`, `2026-05-04T10:00:00Z`,
 * `2026-05-04T10:00:00` in local time) or a duration back from now (`10m`, `1h30m`); a filter is
 * `key=value` with docker's keys, repeatable (the same key twice means either value).
 *
 * @module
 */
import { UsageError } from "../errors.ts";
import { parseDuration } from "../util/duration.ts";

/** The filter keys of `docker events`. */
export const EVENT_FILTER_KEYS = [
  "config",
  "container",
  "daemon",
  "event",
  "image",
  "label",
  "network",
  "node",
  "plugin",
  "scope",
  "secret",
  "service",
  "type",
  "volume",
] as const;

/** An event time as an exact nanosecond string, or a UsageError naming the flag. */
export function parseEventTime(flag: string, value: string, now = Date.now()): string {
  const v = value.trim();
  const unix = /^(\d+)(?:\.(\d{1,9}))?$/.exec(v);
  if (unix) {
    return (BigInt(unix[1]!) * 1_000_000_000n + BigInt((unix[2] ?? "").padEnd(9, "0")))
      .toString();
  }
  if (/^\d{4}-\d\d-\d\d/.test(v)) {
    const ms = Date.parse(v);
    if (Number.isFinite(ms)) return (BigInt(ms) * 1_000_000n).toString();
  } else if (/[a-zµ]$/.test(v)) {
    const d = parseDuration(v);
    if (typeof d === "number") return (BigInt(now - d) * 1_000_000n).toString();
  }
  throw new UsageError(
    `Invalid ${flag} "${value}": use a Unix timestamp (1700000000), a date (2026-05-04T10:00:00Z) or a duration back from now (10m, 1h30m)`,
  );
}

/** `--filter key=value` values → the Engine API's filter map. Throws UsageError. */
export function parseEventFilters(values: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const f of values) {
    const eq = f.indexOf("=");
    const key = eq > 0 ? f.slice(0, eq).trim().toLowerCase() : "";
    const value = eq > 0 ? f.slice(eq + 1).trim() : "";
    if (!key || !value) {
      throw new UsageError(
        `Invalid --filter "${f}": use key=value, e.g. type=container or event=start`,
      );
    }
    if (!(EVENT_FILTER_KEYS as readonly string[]).includes(key)) {
      throw new UsageError(
        `Invalid --filter "${f}": unknown key "${key}" — use one of ${
          EVENT_FILTER_KEYS.join(", ")
        }`,
      );
    }
    (out[key] ??= []).push(value);
  }
  return out;
}
