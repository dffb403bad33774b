/**
 * What the engine reports about itself: events received, hook outcomes, host state changes,
 * reconnects, resyncs and the cursor. Metrics, `reactor status` and tests subscribe here; no hook
 * needs to know about them. Subscribers run synchronously on the engine's path, so they must be
 * cheap and must not throw (a throwing subscriber is isolated and reported once).
 *
 * @module
 */
import type { ReactorEvent } from "../reactor.d.ts";

/** Connection state of one Docker host. */
export type HostState = "connecting" | "up" | "down" | "stopped";

/** One observation. `at` is `Date.now()` when it was made. */
export type Observation =
  /** An event read from a host's stream (or synthesized by a resync). */
  | {
    kind: "event";
    at: number;
    hostId: string;
    event: ReactorEvent;
    /** Replayed or doubled: dropped by dedup, no hook ran. */
    duplicate: boolean;
  }
  /** One hook (or rule, or handler) finished for one event. */
  | {
    kind: "hook";
    at: number;
    hostId: string;
    /** Hook kind: `labels`, `scripts`, `rule`, `ts`, `haproxy`, … */
    hook: string;
    /** Rule or handler name within the hook ("" for built-in hooks). */
    rule: string;
    outcome: "ok" | "failed" | "timeout";
    durationMs: number;
    error?: string;
    /** The event that triggered it (absent for level-triggered runs such as a render). */
    event?: ReactorEvent;
  }
  /** A host changed state. */
  | {
    kind: "host";
    at: number;
    hostId: string;
    state: HostState;
    /** Why it is down (the last connection error). */
    error?: string;
    apiVersion?: string;
    engineVersion?: string;
  }
  /** A host's session broke; the next attempt comes after `delayMs`. */
  | {
    kind: "reconnect";
    at: number;
    hostId: string;
    attempt: number;
    delayMs: number;
    error: string;
  }
  /** A resync listed the host's containers. */
  | {
    kind: "resync";
    at: number;
    hostId: string;
    /** Running containers found. */
    running: number;
    /** Starts synthesized for containers whose start was missed. */
    synthesized: number;
  }
  /** The persisted resume point of a host moved (`timeNano`, exact). */
  | { kind: "cursor"; at: number; hostId: string; timeNano: string }
  /**
   * An event could not be handled in this session (its container could not be inspected over a
   * broken connection); it will be replayed or resynced after reconnecting.
   */
  | { kind: "deferred"; at: number; hostId: string; event: ReactorEvent; reason: string }
  /**
   * A webhook delivery finished (`ok`, `failed` after its retries) or was `dropped` (full queue,
   * shutdown). `hostId` is "": deliveries are queued per URL, not per host.
   */
  | {
    kind: "webhook";
    at: number;
    hostId: string;
    /** Rule (or handler) name. */
    rule: string;
    outcome: "ok" | "failed" | "dropped";
    /** Attempts made (0 when dropped before the first). */
    attempts: number;
    /** The URL's origin only (never its path or query). */
    target?: string;
    durationMs?: number;
    /** One line, secrets scrubbed. */
    error?: string;
  };

/** A subscriber. */
export type ObservationListener = (o: Observation) => void;

/** Fan-out of observations to subscribers. */
export class Observer {
  readonly #listeners = new Set<ObservationListener>();
  readonly #failed = new WeakSet<ObservationListener>();
  readonly #onError: (err: unknown) => void;

  constructor(onError: (err: unknown) => void = () => {}) {
    this.#onError = onError;
  }

  /** Add a listener; returns the function that removes it. */
  subscribe(fn: ObservationListener): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** True when someone listens (lets the engine skip building observations). */
  get active(): boolean {
    return this.#listeners.size > 0;
  }

  /** Deliver `o` to every listener; a throwing listener is reported once and kept. */
  emit(o: Observation): void {
    for (const fn of this.#listeners) {
      try {
        fn(o);
      } catch (err) {
        if (!this.#failed.has(fn)) {
          this.#failed.add(fn);
          this.#onError(err);
        }
      }
    }
  }
}
