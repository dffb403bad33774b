/**
 * Dispatch: from an event read off a host's stream to its hooks having run. Dedup, strict
 * per-container order (parallel across containers), the container's state for *this* event,
 * the handled-start record, the inventory, and the observations metrics and tests see.
 *
 * The rules that make "every start handled exactly once in a live session" hold:
 * - A start event is matched to the incarnation it started by time: the container's current
 *   `StartedAt` belongs to the event only if it is not later than the event. A start of an
 *   older incarnation is still handled (never skipped), but its handlers are told the container
 *   has moved on; nothing about the newer incarnation is recorded for it.
 * - A start counts as handled only once its hooks finished; a resync synthesizes a start for
 *   a running incarnation whose start was never handled.
 * - When the container cannot be inspected because the connection broke, the event is not run
 *   half-blind: it waits (still holding the cursor) and is queued again first thing in the next
 *   session.
 *
 * @module
 */
import { rfc3339ToNano, syntheticStart } from "../docker/normalize.ts";
import { DockerApiError, DockerProtocolError, errorMessage } from "../errors.ts";
import type { Run } from "../exec/run.ts";
import type { Log } from "../log.ts";
import type { ContainerInfo, ContainerSummary, ReactorEvent } from "../reactor.d.ts";
import { eventKey } from "./dedup.ts";
import type { Hook, Trigger } from "./hook.ts";
import type { HostRuntime } from "./host_state.ts";
import type { Inventory } from "./inventory.ts";
import { KeyedQueue } from "./keyed_queue.ts";
import type { Observer } from "./observer.ts";
import { runHooks } from "./run_hooks.ts";
import { fromEvent, stopsContainer, tracksState } from "./event_state.ts";

/** Counters of one engine. */
export interface ReactorStats {
  received: number;
  duplicates: number;
  handled: number;
  hookRuns: number;
  failures: number;
  /** Starts synthesized for running containers whose start was missed (logged `synthetic=true`). */
  synthetic: number;
  /**
   * Running containers whose start was already handled, re-asserted by a resync (only hooks with
   * `resync` run; logged `resync=true`).
   */
  resynced: number;
  /** Events that waited for the next session because their connection broke. */
  deferred: number;
}

/** Options of {@link Dispatcher}. */
export interface DispatcherOptions {
  concurrency: number;
  handlerTimeoutMs: number;
  exec: Run;
  log: Log;
  observer: Observer;
  inventory: Inventory;
  /** Aborted when shutdown begins (handlers see it through their signal). */
  shutdown: AbortSignal;
  /** Per-request limit for the inspect before the hooks (default 30 s). */
  inspectTimeoutMs?: number;
  /** `reactor once`: no next session, so a broken inspect is a failure, not a deferral. */
  once?: boolean;
}

type Outcome = "done" | "deferred";

/** Runs hooks for events, in order per container. */
export class Dispatcher {
  readonly stats: ReactorStats = {
    received: 0,
    duplicates: 0,
    handled: 0,
    hookRuns: 0,
    failures: 0,
    synthetic: 0,
    resynced: 0,
    deferred: 0,
  };
  readonly queue: KeyedQueue;
  hooks: readonly Hook[] = [];
  /** Called with every event received (after dedup), e.g. for `reactor events`. */
  tap?: (ev: ReactorEvent) => void;
  readonly #o: DispatcherOptions;

  constructor(opts: DispatcherOptions) {
    this.#o = opts;
    this.queue = new KeyedQueue(opts.concurrency, (err, key) => {
      opts.log.error(`Internal error while handling ${key}: ${errorMessage(err)}`);
    });
  }

  /** An event read from the stream of `h` (synchronous: queues the work). */
  ingest(h: HostRuntime, ev: ReactorEvent): void {
    this.stats.received++;
    h.status.lastEventAt = Date.now();
    const key = eventKey(ev);
    const duplicate = h.dedup.seen(key);
    if (this.#o.observer.active) {
      this.#o.observer.emit({ kind: "event", at: Date.now(), hostId: h.id, event: ev, duplicate });
    }
    if (duplicate) {
      this.stats.duplicates++;
      return;
    }
    h.dirty = true;
    try {
      this.tap?.(ev);
    } catch (err) {
      this.#o.log.warn(`Event tap failed: ${errorMessage(err)}`);
    }
    if (!this.#wanted(ev) && !tracksState(ev)) {
      h.tracker.observe(ev.timeNano);
      h.doneKeys.add(key);
      return;
    }
    this.#push(h, { event: ev, token: h.tracker.begin(ev.timeNano), key });
  }

  /** Queue again the events a broken session left (call when the next session is up). */
  requeueDeferred(h: HostRuntime): void {
    const list = h.deferred.splice(0);
    for (const d of list) this.#push(h, d);
  }

  /** A resync listed the host's containers: synthesize or re-assert their starts. */
  resync(
    h: HostRuntime,
    list: readonly ContainerSummary[],
    now: string,
    signal?: AbortSignal,
  ): Promise<number> {
    const running = list.filter((c) => c.state === "running");
    const existing = new Set(list.map((c) => c.id));
    for (const id of [...h.handledStart.keys()]) {
      if (!existing.has(id)) {
        h.handledStart.delete(id);
        h.dirty = true;
      }
    }
    let synthesized = 0;
    const done = running.map((c) =>
      new Promise<void>((resolve) => {
        const ev = syntheticStart(c, now);
        this.queue.push(`${h.id}/${c.id}`, async () => {
          try {
            if (await this.#handle(h, ev, "resync", h.epoch) === "synthesized") synthesized++;
          } finally {
            resolve();
          }
        });
      })
    );
    return Promise.all(done).then(() => {
      if (!signal?.aborted) this.#o.inventory.resynced(h.id, existing);
      return synthesized;
    });
  }

  /** `reactor once`: every running container's start through every hook. */
  reconcile(h: HostRuntime, list: readonly ContainerSummary[], now: string): void {
    for (const c of list) {
      if (c.state !== "running") continue;
      const ev = syntheticStart(c, now);
      this.stats.synthetic++;
      this.queue.push(
        `${h.id}/${c.id}`,
        async () => void await this.#handle(h, ev, "event", h.epoch, true),
      );
    }
  }

  #wanted(ev: ReactorEvent): boolean {
    return this.hooks.some((hook) => {
      try {
        return hook.wants(ev);
      } catch {
        return true; // let runHooks report the failing filter
      }
    });
  }

  #push(h: HostRuntime, d: { event: ReactorEvent; token: number; key: string }): void {
    const epoch = h.epoch;
    this.queue.push(queueKey(d.event), async () => {
      let outcome: Outcome | "synthesized" | "skipped" = "done";
      try {
        outcome = await this.#handle(h, d.event, "event", epoch);
      } finally {
        if (outcome === "deferred") {
          h.deferred.push(d);
          this.stats.deferred++;
        } else {
          h.tracker.done(d.token);
          h.doneKeys.add(d.key);
          h.dirty = true;
        }
      }
    });
  }

  /**
   * Handle one event. A `resync` trigger is a synthesized start: it runs as a real start when
   * this incarnation's start was never handled ("synthesized"), else only the hooks' `resync`.
   */
  async #handle(
    h: HostRuntime,
    ev: ReactorEvent,
    trigger: Trigger,
    epoch: number,
    force = false,
  ): Promise<Outcome | "synthesized" | "skipped"> {
    const host = h.ctx;
    if (!host) return "deferred";
    if (epoch <= h.brokenEpoch && !this.#o.once) return "deferred";
    const cid = ev.type === "container" ? ev.actor.id : ev.actor.attributes["container"];
    const isStart = ev.type === "container" && ev.action === "start";
    if (!isStart && trigger === "event" && !force && !this.#wanted(ev)) {
      // followed for the inventory only: no hook wants it
      if (ev.type === "network" && cid && this.#o.inventory.get(h.id, cid)?.running) {
        const r = await this.#stateFor(h, ev, cid, epoch);
        if (r === "deferred") return "deferred";
      } else if (cid) this.#fromEvent(h, ev, cid);
      return "done";
    }
    let container: ContainerInfo | undefined;
    let movedOn = false;
    if (cid) {
      const r = await this.#stateFor(h, ev, cid, epoch);
      if (r === "deferred") return "deferred";
      ({ container, movedOn } = r);
    }
    let run: Trigger = trigger;
    let result: Outcome | "synthesized" | "skipped" = "done";
    // the incarnation this start belongs to (undefined: an older one, or unknown)
    const incarnation = isStart && container && !movedOn ? container.startedAt : undefined;
    if (isStart && trigger === "resync") {
      if (!container?.running) return "skipped";
      if (h.handledStart.get(container.id) !== container.startedAt) {
        run = "event"; // a missed start: synthesize it
        result = "synthesized";
        this.stats.synthetic++;
      } else this.stats.resynced++;
    } else if (isStart && !force && incarnation && h.handledStart.get(cid!) === incarnation) {
      this.#o.log.debug("Start already handled for this incarnation (by a resync); skipping", {
        host: h.id,
        container: container?.name,
      });
      return "skipped";
    } else if (trigger === "resync") return "skipped";
    const log = this.#o.log.child({
      host: h.id,
      container: container?.name ?? ev.actor.attributes["name"] ?? ev.actor.id.slice(0, 12),
      action: ev.action,
      // the same words as the stop summary's counters
      ...(ev.synthetic ? run === "event" ? { synthetic: true } : { resync: true } : {}),
      ...(movedOn ? { movedOn: true } : {}),
    });
    const outcomes = await runHooks({
      hooks: this.hooks,
      event: ev,
      container,
      movedOn,
      host,
      log,
      exec: this.#o.exec,
      trigger: run,
      timeoutMs: this.#o.handlerTimeoutMs,
      signal: this.#o.shutdown,
    });
    this.stats.handled++;
    this.stats.hookRuns += outcomes.length;
    for (const o of outcomes) {
      if (!o.ok) this.stats.failures++;
      this.#o.observer.emit({
        kind: "hook",
        at: Date.now(),
        hostId: h.id,
        hook: o.kind,
        rule: o.rule,
        outcome: o.timedOut ? "timeout" : o.ok ? "ok" : "failed",
        durationMs: o.durationMs,
        error: o.error,
        event: ev,
      });
    }
    // recorded only now that the hooks finished: a crash before this replays the start
    if (isStart && run === "event" && container?.running && (incarnation || ev.synthetic)) {
      h.handledStart.set(container.id, container.startedAt);
      h.dirty = true;
    }
    return result;
  }

  #fromEvent(h: HostRuntime, ev: ReactorEvent, cid: string): void {
    fromEvent(this.#o.inventory, h.id, ev, cid);
    if (ev.type === "container" && ev.action === "destroy") {
      if (h.handledStart.delete(cid)) h.dirty = true;
      this.#o.inventory.remove(h.id, cid);
    }
  }

  /**
   * The container's state for this event: inspected now, but with `running: false`, `pid: 0`
   * when it moved on since (restarted after the event, or removed). "deferred" when the
   * connection broke (the event waits for the next session).
   */
  async #stateFor(
    h: HostRuntime,
    ev: ReactorEvent,
    cid: string,
    epoch: number,
  ): Promise<{ container: ContainerInfo | undefined; movedOn: boolean } | "deferred"> {
    const inv = this.#o.inventory;
    const known = inv.get(h.id, cid);
    this.#fromEvent(h, ev, cid);
    if (ev.type === "container" && ev.action === "destroy") {
      return { container: known && { ...known, running: false, pid: 0 }, movedOn: false };
    }
    let info: ContainerInfo;
    try {
      // not tied to the session: events queued when reactor stops are still drained; a broken
      // connection fails the request itself, a half-open one runs into the timeout
      const signal = AbortSignal.any([
        this.#o.shutdown,
        AbortSignal.timeout(this.#o.inspectTimeoutMs ?? 30_000),
      ]);
      info = await h.ctx!.docker.inspect(cid, signal);
    } catch (err) {
      if (err instanceof DockerApiError && err.isGone) {
        // removed since: its last known state, not running, and it moved on
        return { container: known && pastState(known, ev), movedOn: !!known };
      }
      if (err instanceof DockerApiError || err instanceof DockerProtocolError) {
        this.#o.log.warn(`Cannot inspect container ${cid.slice(0, 12)}: ${errorMessage(err)}`, {
          host: h.id,
        });
        return { container: known, movedOn: false };
      }
      if (this.#o.once) throw err;
      // the connection broke: do not run hooks half-blind; wait for the next session
      h.brokenEpoch = Math.max(h.brokenEpoch, epoch);
      h.session?.abort(err);
      this.#o.log.warn(
        `Cannot inspect container ${cid.slice(0, 12)} (${
          errorMessage(err)
        }); its ${ev.action} will be handled after reconnecting`,
        { host: h.id },
      );
      this.#o.observer.emit({
        kind: "deferred",
        at: Date.now(),
        hostId: h.id,
        event: ev,
        reason: errorMessage(err),
      });
      return "deferred";
    }
    const started = rfc3339ToNano(info.startedAt);
    const movedOn = !ev.synthetic && started !== undefined && started > BigInt(ev.timeNano);
    if (movedOn) {
      // restarted after this event: keep the inventory current, hand the handler the past
      if (info.running) inv.upsert(info, "start");
      return { container: pastState(info, ev), movedOn: true };
    }
    // a container being stopped still runs during its grace period: the view keeps it stopped
    const leaving = info.running && stopsContainer(ev);
    if ((info.running || known) && !leaving) {
      inv.upsert(info, ev.action === "start" ? "start" : "update");
    }
    return { container: info, movedOn: false };
  }
}

/**
 * A container's state as far as it belongs to an event it has moved on from: not running, no
 * pid, and no start time unless the known incarnation is the event's own (a later one's
 * `StartedAt` would be misleading).
 */
function pastState(c: ContainerInfo, ev: ReactorEvent): ContainerInfo {
  const started = rfc3339ToNano(c.startedAt);
  const own = ev.synthetic || (started !== undefined && started <= BigInt(ev.timeNano));
  return { ...c, running: false, pid: 0, status: "exited", startedAt: own ? c.startedAt : "" };
}
/** Per-container ordering key: container events and network events that name a container. */
export function queueKey(ev: ReactorEvent): string {
  const cid = ev.type === "container" ? ev.actor.id : ev.actor.attributes["container"];
  return cid ? `${ev.hostId}/${cid}` : `${ev.hostId}/${ev.type}/${ev.actor.id}`;
}
