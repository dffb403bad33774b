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
 *   a running incarnation whose start was never handled. A live start is recorded by its
 *   event's time (`start_record.ts`), so telling whether it was handled needs no inspect.
 * - The container is inspected only when something needs it: a hook that wants the event and
 *   reads containers, the inventory (some hook reads containers, or someone subscribed), a
 *   resync, or a start whose record only an inspect can match.
 * - When the container cannot be inspected because the connection broke, the event is not run
 *   half-blind: it waits (still holding the cursor) and is queued again first thing in the next
 *   session.
 *
 * @module
 */
import { syntheticStart } from "../docker/normalize.ts";
import { errorMessage } from "../errors.ts";
import type { Run } from "../exec/run.ts";
import type { Log } from "../log.ts";
import type { ContainerInfo, ContainerSummary, ReactorEvent } from "../reactor.d.ts";
import { eventKey } from "./dedup.ts";
import type { Hook, Trigger } from "./hook.ts";
import type { HostRuntime } from "./host_state.ts";
import type { Inventory } from "./inventory.ts";
import { ContainerStates } from "./container_state.ts";
import { KeyedQueue } from "./keyed_queue.ts";
import type { Observer } from "./observer.ts";
import { runHooks, wantingHooks } from "./run_hooks.ts";
import { classifyStart, eventRecord, recordCovers } from "./start_record.ts";
import { tracksState } from "./event_state.ts";

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

/** A queued event, with the hooks that wanted it when it arrived (under hooks `gen`). */
interface Queued {
  event: ReactorEvent;
  token: number;
  key: string;
  hooks?: readonly Hook[];
  gen?: number;
}

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
  /** Called with every event received (after dedup), e.g. for `reactor events`. */
  tap?: (ev: ReactorEvent) => void;
  readonly #o: DispatcherOptions;
  readonly #state: ContainerStates;
  #hooks: readonly Hook[] = [];
  /** Bumped when the hooks change (hooks chosen under older ones are chosen again). */
  #gen = 0;
  /** Some hook reads containers (so starts are inspected for the inventory they rely on). */
  #someNeedContainer = false;

  constructor(opts: DispatcherOptions) {
    this.#o = opts;
    this.queue = new KeyedQueue(opts.concurrency, (err, key) => {
      opts.log.error(`Internal error while handling ${key}: ${errorMessage(err)}`);
    });
    this.#state = new ContainerStates(opts);
  }

  /** The hooks, in run order. */
  get hooks(): readonly Hook[] {
    return this.#hooks;
  }

  set hooks(hooks: readonly Hook[]) {
    this.#hooks = hooks;
    this.#gen++;
    this.#someNeedContainer = hooks.some((k) => k.needsContainer !== false);
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
    if (this.tap) {
      try {
        this.tap(ev);
      } catch (err) {
        this.#o.log.warn(`Event tap failed: ${errorMessage(err)}`);
      }
    }
    const hooks = wantingHooks(this.#hooks, ev, this.#o.log);
    if (hooks.length === 0 && !tracksState(ev)) {
      h.tracker.observe(ev.timeNano);
      h.doneKeys.add(key);
      return;
    }
    this.#push(h, { event: ev, token: h.tracker.begin(ev.timeNano), key, hooks, gen: this.#gen });
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
    const existing = new Set(list.map((c) => c.id));
    for (const id of h.handledStart.keys()) {
      if (!existing.has(id)) {
        h.handledStart.delete(id);
        h.dirty = true;
      }
    }
    let synthesized = 0;
    const done: Promise<void>[] = [];
    for (const c of list) {
      if (c.state !== "running") continue;
      done.push(
        new Promise<void>((resolve) => {
          const ev = syntheticStart(c, now);
          this.queue.push(`${h.id}/${c.id}`, async () => {
            try {
              if (await this.#handle(h, ev, "resync", h.epoch) === "synthesized") synthesized++;
            } finally {
              resolve();
            }
          });
        }),
      );
    }
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

  #push(h: HostRuntime, d: Queued): void {
    const epoch = h.epoch;
    this.queue.push(queueKey(d.event), async () => {
      let outcome: Outcome | "synthesized" | "skipped" = "done";
      try {
        const hooks = d.gen === this.#gen ? d.hooks : undefined;
        outcome = await this.#handle(h, d.event, "event", epoch, false, hooks);
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
   * `wanting`: the hooks that wanted it on arrival (the hooks did not change since).
   */
  async #handle(
    h: HostRuntime,
    ev: ReactorEvent,
    trigger: Trigger,
    epoch: number,
    force = false,
    wanting?: readonly Hook[],
  ): Promise<Outcome | "synthesized" | "skipped"> {
    const host = h.ctx;
    if (!host) return "deferred";
    if (epoch <= h.brokenEpoch && !this.#o.once) return "deferred";
    const cid = ev.type === "container" ? ev.actor.id : ev.actor.attributes["container"];
    const isStart = ev.type === "container" && ev.action === "start";
    const hooks = wanting ?? wantingHooks(this.#hooks, ev, this.#o.log);
    // the inventory is kept current for hooks that read containers and for its subscribers
    const inventory = this.#someNeedContainer || this.#o.inventory.watched;
    if (!isStart && trigger === "event" && !force && hooks.length === 0) {
      // followed for the inventory only: no hook wants it
      if (!cid) return "done";
      if (ev.type === "network" && inventory && this.#o.inventory.get(h.id, cid)?.running) {
        if (await this.#state.of(h, ev, cid, epoch) === "deferred") return "deferred";
      } else this.#state.fromEvent(h, ev, cid);
      return "done";
    }
    // a live start: was it handled already? (the record tells, or only an inspect can)
    const seen = isStart && trigger === "event" && !force && !ev.synthetic
      ? classifyStart(h.handledStart.get(cid!), ev.timeNano)
      : undefined;
    if (seen === "handled") return this.#skip(h, ev, undefined);
    const inspect = trigger === "resync" || force || seen === "unknown" ||
      (isStart && inventory) || hooks.some((k) => k.needsContainer !== false);
    let container: ContainerInfo | undefined;
    let movedOn = seen === "older";
    if (cid && inspect) {
      const r = await this.#state.of(h, ev, cid, epoch);
      if (r === "deferred") return "deferred";
      ({ container, movedOn } = r);
    } else if (cid) this.#state.fromEvent(h, ev, cid);
    let run: Trigger = trigger;
    let result: Outcome | "synthesized" | "skipped" = "done";
    if (isStart && trigger === "resync") {
      if (!container?.running) return "skipped";
      if (!recordCovers(h.handledStart.get(container.id), container.startedAt)) {
        run = "event"; // a missed start: synthesize it
        result = "synthesized";
        this.stats.synthetic++;
      } else this.stats.resynced++;
    } else if (
      seen === "unknown" && container && !movedOn &&
      recordCovers(h.handledStart.get(cid!), container.startedAt)
    ) return this.#skip(h, ev, container);
    else if (trigger === "resync") return "skipped";
    const fields: Record<string, unknown> = {
      host: h.id,
      container: container?.name ?? ev.actor.attributes["name"] ?? ev.actor.id.slice(0, 12),
      action: ev.action,
    };
    // the same words as the stop summary's counters
    if (ev.synthetic) fields[run === "event" ? "synthetic" : "resync"] = true;
    if (movedOn) fields.movedOn = true;
    const outcomes = await runHooks({
      hooks,
      event: ev,
      container,
      movedOn,
      host,
      log: this.#o.log.child(fields),
      exec: this.#o.exec,
      trigger: run,
      timeoutMs: this.#o.handlerTimeoutMs,
      signal: this.#o.shutdown,
    });
    this.stats.handled++;
    this.stats.hookRuns += outcomes.length;
    for (const o of outcomes) {
      if (!o.ok) this.stats.failures++;
      if (!this.#o.observer.active) continue;
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
    if (isStart && run === "event") {
      if (ev.synthetic) {
        if (container?.running) h.handledStart.set(container.id, container.startedAt);
      } else if (!movedOn) h.handledStart.set(cid!, eventRecord(ev.timeNano));
      h.dirty = true;
    }
    return result;
  }

  #skip(h: HostRuntime, ev: ReactorEvent, container: ContainerInfo | undefined): "skipped" {
    this.#o.log.debug("Start already handled for this incarnation; skipping", {
      host: h.id,
      container: container?.name ?? ev.actor.attributes["name"],
    });
    return "skipped";
  }
}

/** Per-container ordering key: container events and network events that name a container. */
export function queueKey(ev: ReactorEvent): string {
  const cid = ev.type === "container" ? ev.actor.id : ev.actor.attributes["container"];
  return cid ? `${ev.hostId}/${cid}` : `${ev.hostId}/${ev.type}/${ev.actor.id}`;
}
