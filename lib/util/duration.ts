/**
 * The one duration grammar of reactor, used by every config field, env override and flag that
 * takes a time: a number of seconds (`30`, `2.5`), or Go-style units in sequence (`500ms`, `30s`,
 * `1m30s`, `1.5h`, `250us`). Invalid input gives the same message everywhere.
 *
 * @module
 */

const UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const SEQUENCE = /^(\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;

/** The fix every duration problem names. */
export const DURATION_HINT = 'write e.g. "500ms", "30s", "1m30s" or a number of seconds';

/**
 * Parse a duration into whole milliseconds, or return `{ error }` (a message without the field
 * name, ending with the fix).
 *
 * @example
 * ```ts
 * import { parseDuration } from "./duration.ts";
 * parseDuration("1m30s"); // 90000
 * parseDuration(2.5); // 2500
 * ```
 */
export function parseDuration(value: unknown): number | { error: string } {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) {
      return { error: `${value} is not a duration — ${DURATION_HINT}` };
    }
    return Math.round(value * 1000);
  }
  if (typeof value !== "string") {
    return { error: `expected a duration, got ${describe(value)} — ${DURATION_HINT}` };
  }
  const s = value.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  if (!SEQUENCE.test(s)) return { error: `${quote(value)} is not a duration — ${DURATION_HINT}` };
  let total = 0;
  for (const m of s.matchAll(PART)) total += Number(m[1]) * UNITS[m[2]!]!;
  return Math.round(total);
}

/** Render milliseconds compactly (`1500` → `1.5s`, `90000` → `1m30s`). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms > 60_000 && ms % 1000 === 0) {
    return `${Math.floor(ms / 60_000)}m${(ms % 60_000) / 1000}s`;
  }
  return `${ms / 1000}s`;
}

function quote(s: string): string {
  const q = JSON.stringify(s);
  return q.length > 82 ? `${q.slice(0, 80)}…"` : q;
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return "nothing";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a map";
  return `${typeof v} ${String(v)}`;
}
