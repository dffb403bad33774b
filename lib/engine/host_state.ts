/**
 * What the engine keeps per Docker host: live status, the cursor tracker, dedup sets, the
 * handled-start record, the current session and its client. Shared by the host session (which
 * connects and reads) and the dispatcher (which handles events).
 *
 * @module
 */
import type { HostConnector } from "../docker/connector.ts";
import type { ReactorEvent } from "../reactor.d.ts";
import { CursorTracker, HostStateStore } from "./cursor.ts";
import { Dedup, DEDUP_WINDOW } from "./dedup.ts";
import type { HostContext } from "./hook.ts";
import type { HostState } from "./observer.ts";

/** Keys of handled events persisted per host. */
export const RECENT_KEYS = 1024;

/** Live status of one host. */
export interface HostStatus {
  id: string;
  describe: string;
  state: HostState;
  apiVersion?: string;
  engineVersion?: string;
  engineName?: string;
  lastEventAt?: number;
  lastError?: string;
  connectedAt?: number;
  /** The resume point (exact timeNano of the oldest event not yet handled, or the newest). */
  cursor?: string;
  /** The newest event time received (exact timeNano). */
  newestEvent?: string;
  /** Events received and not yet handled (queued, running or waiting for a reconnect). */
  inflight?: number;
}

/** An event whose handling waits for the next session (see {@link HostRuntime.deferred}). */
export interface DeferredEvent {
  readonly event: ReactorEvent;
  readonly token: number;
  readonly key: string;
}

/** Everything the engine holds for one host. */
export class HostRuntime {
  readonly connector: HostConnector;
  readonly status: HostStatus;
  readonly store: HostStateStore;
  tracker = new CursorTracker();
  /** Keys of events received (in flight or done): drops replays and doubles. */
  dedup = new Dedup();
  /** Keys of fully handled events: the only ones persisted (in-flight ones must replay). */
  doneKeys = new Dedup(RECENT_KEYS);
  /**
   * Container id → `State.StartedAt` of the incarnation whose start has been handled (set only
   * once its hooks finished). A resync synthesizes a start for an incarnation not in here.
   */
  handledStart = new Map<string, string>();
  /** Handler context of the current session (its client). */
  ctx: HostContext | undefined;
  /** Incremented on every (re)connect: events remember the session they arrived in. */
  epoch = 0;
  /** Events of sessions up to this one are deferred (their connection broke mid-handling). */
  brokenEpoch = -1;
  /**
   * Events that could not be handled over a broken connection, in arrival order. Still in
   * flight for the cursor (never persisted past), they are queued again first thing in the next
   * session, so per-container order holds and nothing runs half-blind.
   */
  deferred: DeferredEvent[] = [];
  /** Aborts the current session (a broken inspect makes the session reconnect). */
  session: AbortController | undefined;
  /** State changed since the last save. */
  dirty = false;

  constructor(connector: HostConnector, stateDir: string) {
    this.connector = connector;
    this.status = { id: connector.id, describe: connector.describe, state: "stopped" };
    this.store = new HostStateStore(stateDir, connector.id);
  }

  get id(): string {
    return this.connector.id;
  }

  /** Restore what a previous run persisted; returns a warning to log, if any. */
  async restore(): Promise<string | undefined> {
    const { state, warning } = await this.store.load(this.id);
    const endpoint = this.connector.describe;
    if (state.endpoint !== undefined && state.endpoint !== endpoint) {
      // another engine's events: resuming from its cursor would skip or replay the wrong ones
      return `Cursor file ${this.store.path} belongs to ${state.endpoint}, not ${endpoint}: starting with a full resync`;
    }
    this.tracker = new CursorTracker(state.since);
    this.dedup = new Dedup(DEDUP_WINDOW, state.recent);
    this.doneKeys = new Dedup(RECENT_KEYS, state.recent);
    this.handledStart = new Map(Object.entries(state.started ?? {}));
    return warning;
  }

  /** Persist the cursor, recent keys and handled starts. */
  async save(): Promise<void> {
    this.dirty = false;
    await this.store.save({
      version: 1,
      hostId: this.id,
      endpoint: this.connector.describe,
      since: this.tracker.cursor,
      recent: this.doneKeys.recent(RECENT_KEYS),
      started: Object.fromEntries(this.handledStart),
      updatedAt: "",
    });
  }
}
