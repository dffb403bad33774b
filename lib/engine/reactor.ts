/**
 * The engine's facade: one session per Docker host (`host_session.ts`), one dispatcher with a
 * shared per-container ordered queue (`dispatch.ts`), the container inventory, the observer,
 * cursor persistence and a bounded drain on shutdown.
 *
 * @module
 */
import type { HostConnector } from "../docker/connector.ts";
import { errorMessage } from "../errors.ts";
import { exec as defaultExec, type Run } from "../exec/run.ts";
import type { Log } from "../log.ts";
import type { ReactorEvent } from "../reactor.d.ts";
import type { BackoffOptions } from "../util/backoff.ts";
import { sleep } from "../util/sleep.ts";
import { Dispatcher, type ReactorStats } from "./dispatch.ts";
import type { Hook, HookRuntime } from "./hook.ts";
import { runHostSession, setupHost } from "./host_session.ts";
import { HostRuntime, type HostStatus } from "./host_state.ts";
import { Inventory } from "./inventory.ts";
import { Observer } from "./observer.ts";
import { nowNano } from "./host_session.ts";

export type { HostStatus, ReactorStats };
export { queueKey } from "./dispatch.ts";
export { nowNano } from "./host_session.ts";

/** Options for {@link Reactor}. */
export interface ReactorOptions {
  hosts: HostConnector[];
  hooks: Hook[];
  /** Where cursors are persisted. */
  stateDir: string;
  log: Log;
  /** Containers handled in parallel (default 16). */
  concurrency?: number;
  /** Default per-hook timeout (default 60 s). */
  handlerTimeoutMs?: number;
  /** Bounded drain on shutdown (default 10 s). */
  drainTimeoutMs?: number;
  exec?: Run;
  backoff?: BackoffOptions;
  /** Ping watchdog interval (default 30 s); a failed ping restarts the session. */
  watchdogMs?: number;
  /** Persist cursors (default true). */
  persist?: boolean;
  /** Resync on connect (default true). */
  resync?: boolean;
  /** Called with every event received (after dedup), e.g. for `reactor events`. */
  tap?: (ev: ReactorEvent) => void;
  /** Share an observer (default: a new one, see {@link Reactor.observer}). */
  observer?: Observer;
  /** Read events from here when there is no cursor (exact timeNano; `reactor events --since`). */
  since?: string;
  /** Stop each host's stream at this exact timeNano (`reactor events --until`). */
  until?: string;
  /** Engine-side event filters (`reactor events --filter`). */
  filters?: Record<string, string[]>;
}

const SAVE_INTERVAL_MS = 500;

/** The engine. */
export class Reactor {
  /** Engine observations (events, hook outcomes, host states, reconnects, resyncs, cursor). */
  readonly observer: Observer;
  /** Live view of every host's containers. */
  readonly inventory = new Inventory();
  readonly #o: ReactorOptions;
  readonly #dispatch: Dispatcher;
  readonly #hosts: HostRuntime[];
  readonly #log: Log;
  /** Aborted when shutdown begins (handlers see it through their signal). */
  readonly #shutdown = new AbortController();
  /** Aborted when the engine stops: level-triggered hooks stop with it. */
  readonly #hooksStop = new AbortController();
  #started = false;

  constructor(opts: ReactorOptions) {
    this.#o = opts;
    this.#log = opts.log;
    this.observer = opts.observer ??
      new Observer((err) => opts.log.warn(`An observer failed: ${errorMessage(err)}`));
    this.#dispatch = new Dispatcher({
      concurrency: opts.concurrency ?? 16,
      handlerTimeoutMs: opts.handlerTimeoutMs ?? 60_000,
      exec: opts.exec ?? defaultExec,
      log: opts.log,
      observer: this.observer,
      inventory: this.inventory,
      shutdown: this.#shutdown.signal,
    });
    this.#dispatch.hooks = [...opts.hooks];
    this.#dispatch.tap = opts.tap;
    this.#hosts = opts.hosts.map((c) => new HostRuntime(c, opts.stateDir));
    for (const h of this.#hosts) this.inventory.addHost(h.id);
  }

  /** Counters. */
  get stats(): ReactorStats {
    return this.#dispatch.stats;
  }

  /** Replace the hooks; takes effect for the next event of each container. */
  setHooks(hooks: Hook[]): void {
    const old = this.#dispatch.hooks;
    this.#dispatch.hooks = [...hooks];
    if (this.#started) { for (const h of hooks) if (!old.includes(h)) this.#startHook(h); }
    for (const h of old) if (!hooks.includes(h)) this.#closeHook(h);
  }

  /** Current hooks. */
  get hooks(): readonly Hook[] {
    return this.#dispatch.hooks;
  }

  /** Status of every host. */
  hostStatus(): HostStatus[] {
    return this.#hosts.map((h) => ({
      ...h.status,
      cursor: h.tracker.cursor,
      newestEvent: h.tracker.newest,
      inflight: h.tracker.inflight,
    }));
  }

  /** Queued or running container tasks. */
  get pending(): number {
    return this.#dispatch.queue.size;
  }

  /**
   * Run until `signal` aborts: follow every host's events, then drain in-flight handlers
   * (bounded by `drainTimeoutMs`) and persist the cursors.
   */
  async run(signal: AbortSignal): Promise<void> {
    const persist = this.#o.persist ?? true;
    this.#started = true;
    for (const h of this.#dispatch.hooks) this.#startHook(h);
    const sessions = this.#hosts.map((h) =>
      runHostSession(h, {
        dispatcher: this.#dispatch,
        inventory: this.inventory,
        observer: this.observer,
        log: this.#log,
        backoff: this.#o.backoff,
        watchdogMs: this.#o.watchdogMs ?? 30_000,
        resync: this.#o.resync ?? true,
        persist,
        since: this.#o.since,
        until: this.#o.until,
        filters: this.#o.filters,
      }, signal)
    );
    const saver = persist ? this.#saveLoop(signal) : Promise.resolve();
    await Promise.all(sessions);
    await saver;
    await this.#drain();
    if (persist) await this.#saveAll();
    await this.close();
  }

  /**
   * Reconcile every running container once (a synthetic `start` through all hooks) and return
   * the counters; `failures > 0` means some hook failed.
   */
  async once(signal?: AbortSignal): Promise<ReactorStats> {
    const sig = signal ?? new AbortController().signal;
    const once = new Dispatcher({
      concurrency: this.#o.concurrency ?? 16,
      handlerTimeoutMs: this.#o.handlerTimeoutMs ?? 60_000,
      exec: this.#o.exec ?? defaultExec,
      log: this.#log,
      observer: this.observer,
      inventory: this.inventory,
      shutdown: this.#shutdown.signal,
      once: true,
    });
    once.hooks = this.#dispatch.hooks;
    const results = await Promise.allSettled(this.#hosts.map(async (h) => {
      const client = await h.connector.connect(sig);
      await setupHost(h, client, sig, this.#log);
      const list = await client.listContainers({ signal: sig });
      once.reconcile(h, list, nowNano());
      return list;
    }));
    await once.queue.idle();
    for (const [i, r] of results.entries()) {
      const id = this.#hosts[i]!.id;
      if (r.status === "fulfilled") {
        this.inventory.resynced(id, new Set(r.value.map((c) => c.id)));
        continue;
      }
      once.stats.failures++;
      this.#log.error(`Host "${id}" failed: ${errorMessage(r.reason)}`, { host: id });
    }
    for (const h of once.hooks) if (h.once) await this.#onceHook(h, once.stats, sig);
    await this.close();
    return { ...once.stats };
  }

  /** `reactor once`: a level-triggered hook applies its state once (timed, isolated, counted). */
  async #onceHook(h: Hook, stats: ReactorStats, signal: AbortSignal): Promise<void> {
    const timeoutMs = h.timeoutMs ?? this.#o.handlerTimeoutMs ?? 60_000;
    const ac = new AbortController();
    const started = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    let outcome: "ok" | "failed" | "timeout" = "ok";
    let error: string | undefined;
    try {
      const call = h.once!(this.#runtime(h, AbortSignal.any([signal, ac.signal])));
      if (await Promise.race([call.then(() => "ok" as const), timeout]) === "timeout") {
        ac.abort(new Error(`timeout after ${timeoutMs} ms`));
        call.catch(() => {});
        outcome = "timeout";
        error = `Hook "${h.name}" timed out after ${timeoutMs} ms`;
      }
    } catch (err) {
      outcome = "failed";
      error = `Hook "${h.name}" failed: ${errorMessage(err)}`;
    } finally {
      clearTimeout(timer);
    }
    const durationMs = performance.now() - started;
    stats.hookRuns++;
    if (error) {
      stats.failures++;
      this.#log.error(error, { hook: h.name, durationMs: Math.round(durationMs) });
    }
    this.observer.emit({
      kind: "hook",
      at: Date.now(),
      hostId: "",
      hook: h.kind ?? h.name,
      rule: h.rule ?? "",
      outcome,
      durationMs,
      ...(error ? { error } : {}),
    });
  }

  /** Close hooks and host connectors. */
  async close(): Promise<void> {
    this.#shutdown.abort();
    this.#hooksStop.abort();
    for (const h of this.#dispatch.hooks) await this.#closeHook(h);
    for (const h of this.#hosts) {
      h.ctx?.docker.close();
      await h.connector.close().catch((err) =>
        this.#log.warn(`Closing host "${h.id}" failed: ${errorMessage(err)}`)
      );
      h.status.state = "stopped";
    }
  }

  #runtime(h: Hook, signal: AbortSignal): HookRuntime {
    return {
      engine: {
        queueDepth: () => this.pending,
        hosts: () => this.hostStatus(),
        stats: () => ({ ...this.stats }),
      },
      inventory: this.inventory,
      observer: this.observer,
      log: this.#log.child({ hook: h.name }),
      signal,
    };
  }

  #startHook(h: Hook): void {
    if (!h.start) return;
    try {
      const r = h.start(this.#runtime(h, this.#hooksStop.signal));
      if (r instanceof Promise) {
        r.catch((err) => this.#log.error(`Hook "${h.name}" failed to start: ${errorMessage(err)}`));
      }
    } catch (err) {
      this.#log.error(`Hook "${h.name}" failed to start: ${errorMessage(err)}`);
    }
  }

  async #closeHook(h: Hook): Promise<void> {
    await h.close?.().catch((err) =>
      this.#log.warn(`Closing hook "${h.name}" failed: ${errorMessage(err)}`)
    );
  }

  async #drain(): Promise<void> {
    const q = this.#dispatch.queue;
    if (q.size === 0) return;
    this.#log.info(`Draining ${q.size} in-flight task(s)`, {
      timeoutMs: this.#o.drainTimeoutMs ?? 10_000,
    });
    const ac = new AbortController();
    const done = await Promise.race([
      q.idle().then(() => true),
      sleep(this.#o.drainTimeoutMs ?? 10_000, ac.signal).then(() => false),
    ]);
    ac.abort();
    if (!done) {
      this.#log.warn(
        `Drain timed out with ${q.size} task(s) left; their events will be replayed on restart`,
      );
      this.#shutdown.abort();
    }
  }

  async #saveLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await sleep(SAVE_INTERVAL_MS, signal);
      await this.#saveAll(true);
    }
  }

  async #saveAll(onlyDirty = false): Promise<void> {
    for (const h of this.#hosts) {
      if (onlyDirty && !h.dirty) continue;
      try {
        const before = h.tracker.cursor;
        await h.save();
        if (before && this.observer.active) {
          this.observer.emit({ kind: "cursor", at: Date.now(), hostId: h.id, timeNano: before });
        }
      } catch (err) {
        this.#log.error(`Cannot save cursor ${h.store.path}: ${errorMessage(err)}`, {
          host: h.id,
        });
      }
    }
  }
}
