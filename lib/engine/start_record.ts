/**
 * The handled-start record of one container: which incarnation's `start` the hooks have handled,
 * so that every start is handled exactly once across live events, resyncs and restarts.
 *
 * A record is one string (the persisted format is unchanged: a map of container id → string):
 * - `2026-11-30T13:24:05.123456789Z`: the `State.StartedAt` of the handled incarnation (what an
 *   inspect tells; resyncs and `reactor once` record this);
 * - `@1795321703378858356`: the exact `timeNano` of the handled `start` event (live events record
 *   this, so that no inspect is needed to tell whether a start was handled).
 *
 * Why an event time identifies an incarnation: dockerd sets `StartedAt` and emits the `start`
 * event while it holds the container's lock, so the incarnations and their events interleave as
 * `S1 ≤ E1 < S2 ≤ E2 < …` (both from the daemon's clock). Hence the running incarnation that
 * started at `S` is the one of event `E` exactly when `S ≤ E` and no later start was seen; and a
 * start event later than a handled one belongs to a later incarnation.
 *
 * @module
 */
import { compareNano, rfc3339ToNano } from "../docker/normalize.ts";

/** The record of a live `start` event that was handled. */
export function eventRecord(timeNano: string): string {
  return `@${timeNano}`;
}

/** True when `record` says the incarnation that started at `startedAt` was handled. */
export function recordCovers(record: string | undefined, startedAt: string): boolean {
  if (record === undefined) return false;
  if (!record.startsWith("@")) return record === startedAt;
  const s = rfc3339ToNano(startedAt);
  return s !== undefined && s >= 0n && s <= BigInt(record.slice(1));
}

/**
 * What the record tells about a live `start` event at `timeNano`, without inspecting:
 * - `new`: a start of an incarnation later than the handled one (or none was handled);
 * - `handled`: this very event was handled;
 * - `older`: the start of an incarnation older than the handled one (the container moved on);
 * - `unknown`: only an inspect can tell (the record is a `StartedAt` not later than the event).
 */
export function classifyStart(
  record: string | undefined,
  timeNano: string,
): "new" | "handled" | "older" | "unknown" {
  if (record === undefined) return "new";
  if (record.startsWith("@")) {
    const c = compareNano(timeNano, record.slice(1));
    return c > 0 ? "new" : c === 0 ? "handled" : "older";
  }
  const s = rfc3339ToNano(record);
  if (s === undefined) return "unknown";
  return BigInt(timeNano) < s ? "older" : "unknown";
}
