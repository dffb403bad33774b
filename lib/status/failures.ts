/**
 * Hook failures of the last hour, per host, for `reactor status`: fed by the engine's
 * {@link Observer} (`hook` observations with outcome `failed` or `timeout`). Level-triggered
 * hooks (HAProxy, etcd, …) report with host id "" and are counted as engine-wide.
 *
 * @module
 */
import type { Observation, Observer } from "../engine/observer.ts";

/** The window `reactor status` reports. */
export const HOUR_MS = 3_600_000;

/** Failures kept per host at most (older ones are dropped first). */
const MAX_PER_HOST = 10_000;

interface Failure {
  at: number;
  hook: string;
}

/** Sliding one-hour window of hook failures. */
export class FailureWindow {
  readonly #byHost = new Map<string, Failure[]>();
  readonly #windowMs: number;

  constructor(windowMs = HOUR_MS) {
    this.#windowMs = windowMs;
  }

  /** Count every failed or timed-out hook the observer reports; returns the unsubscribe. */
  attach(observer: Observer): () => void {
    return observer.subscribe((o: Observation) => {
      if (o.kind === "hook" && o.outcome !== "ok") {
        this.record(o.hostId, o.rule ? `${o.hook}:${o.rule}` : o.hook, o.at);
      }
    });
  }

  /** Note one failure. */
  record(hostId: string, hook: string, at: number): void {
    let list = this.#byHost.get(hostId);
    if (!list) this.#byHost.set(hostId, list = []);
    list.push({ at, hook });
    if (list.length > MAX_PER_HOST) list.splice(0, list.length - MAX_PER_HOST);
  }

  /** Failures of `hostId` ("" = engine-wide) within the window ending `now`, by hook name. */
  recent(hostId: string, now: number): Record<string, number> {
    const list = this.#byHost.get(hostId);
    if (!list) return {};
    const from = now - this.#windowMs;
    const kept = list.filter((f) => f.at >= from);
    if (kept.length < list.length) this.#byHost.set(hostId, kept);
    const out: Record<string, number> = {};
    for (const f of kept) out[f.hook] = (out[f.hook] ?? 0) + 1;
    return out;
  }
}
