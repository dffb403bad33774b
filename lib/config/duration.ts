/**
 * Durations in config files: a number of seconds, or a string with a unit.
 *
 * @module
 */

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parse `30`, `"30s"`, `"500ms"`, `"1.5m"`, `"1h"` into milliseconds. Returns a string
 * describing the problem instead when the value is not a valid non-negative duration.
 */
export function parseDuration(value: unknown): number | { error: string } {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) {
      return { error: `expected a non-negative number of seconds, got ${value}` };
    }
    return Math.round(value * 1000);
  }
  if (typeof value !== "string") {
    return { error: `expected a duration like "30s" or a number of seconds, got ${kind(value)}` };
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value);
  if (!m) {
    return { error: `"${value}" is not a duration — write e.g. "500ms", "30s", "5m" or "1h"` };
  }
  return Math.round(Number(m[1]) * UNITS[m[2] ?? "s"]!);
}

/** Describe a value's kind for error messages (`a list`, `a map`, `number 3`, …). */
export function kind(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (value instanceof RegExp) return `regex ${value}`;
  if (typeof value === "object") return "a map";
  if (typeof value === "function") return "a function";
  if (typeof value === "string") return `string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

/** Render milliseconds compactly (`1500` → `1.5s`). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms / 1000}s`;
}
