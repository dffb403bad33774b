/**
 * Durations in config files (the grammar lives in `lib/util/duration.ts`) and the value
 * descriptions used in config problems.
 *
 * @module
 */
export { formatDuration, parseDuration } from "../util/duration.ts";

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
