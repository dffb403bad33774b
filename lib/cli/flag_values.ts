/**
 * Values of CLI flags: durations (the one grammar of `lib/util/duration.ts`, so
 * `--handler-timeout 1m30s` and `--handler-timeout 90` mean the same) and counts. A bad value is
 * a {@link UsageError} naming the flag the user typed.
 *
 * @module
 */
import { UsageError } from "../errors.ts";
import { parseDuration } from "../util/duration.ts";

/** A positive duration flag in ms (`30`, `2.5`, `1m30s`), or `dflt` when not given. */
export function durationFlag(flag: string, value: string | undefined, dflt: number): number;
/** A positive duration flag in ms, or undefined when not given. */
export function durationFlag(flag: string, value: string | undefined): number | undefined;
export function durationFlag(
  flag: string,
  value: string | undefined,
  dflt?: number,
): number | undefined {
  if (value === undefined) return dflt;
  const ms = parseDuration(value);
  if (typeof ms !== "number" || ms <= 0) {
    throw new UsageError(
      `Invalid ${flag} "${value}": use a positive duration (e.g. 30, 2.5 or 1m30s; a number means seconds)`,
    );
  }
  return ms;
}

/** A positive integer flag, or `dflt` when not given. */
export function positiveIntFlag(flag: string, value: string | undefined, dflt: number): number {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new UsageError(`Invalid ${flag} "${value}": use a whole number >= 1`);
  }
  return n;
}
