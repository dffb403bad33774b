/**
 * The event engine: one independent loop per Docker host (own cursor, backoff, health), a shared
 * per-container ordered queue, resync on every (re)connect, dedup, cursor persistence and
 * bounded draining on shutdown.
 *
 * @module
 */
import type { DockerClient } from "../docker/client.ts";
import { nanoToSince, parseEvent, syntheticStart } from "../docker/normalize.ts";
import type { ContainerInfo, ReactorEvent } from "../reactor.d.ts";
import { DockerApiError, errorMessage } from "../errors.ts";
import { exec as defaultExec, type Run } from "../exec/run.ts";
import type { Log } from "../log.ts";
import { Backoff, type BackoffOptions } from "../util/backoff.ts";
import { sleep } from "../util/sleep.ts";
import { CursorTracker, HostStateStore } from "./cursor.ts";
import { Dedup, eventKey } from "./dedup.ts";
import type { Hook, HostContext, Trigger } from "./hook.ts";
import { KeyedQueue } from "./keyed_queue.ts";
import { ndjsonLines } from "./ndjson.ts";
import { runHooks } from "./run_hooks.ts";

/** A configured Docker host the engine can connect to. */
export interface HostConnector {
  /** Host id (`default`, `local`, …). */
  readonly id: string;
  /** True when the engine runs on this machine (namespaces reachable with nsenter). */
  readonly local: boolean;
  /** Endpoint description for logs (`unix:///var/run/docker.sock`). */
  readonly describe: string;
  /** Connect (starting a managed daemon if needed) and return a client (not yet negotiated). */
  connect(signal: AbortSignal): Promise<DockerClient>;
  /** Release resources (stop a managed daemon, close tunnels). */
  close(): Promise<void>;
}

/** Live status of one host. */
export interface HostStatus {
  id: string;
  describe: string;
  state: "connecting" | "up" | "down" | "stopped";
  apiVersion?: string;
  engineVersion?: string;
  engineName?: string;
  lastEventAt?: number;
  lastError?: string;
  connectedAt?: number;
}

/** Counters. */
export interface ReactorStats {
  received: number;
  duplicates: number;
  handled: number;
  hookRuns: number;
  failures: number;
  synthetic: number;
}

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
}

interface HostRuntime {
  connector: HostConnector;
  status: HostStatus;
  tracker: CursorTracker;
  dedup: Dedup;
  /** Keys of fully handled events: the only ones persisted (in-flight ones must replay). */
  doneKeys: Dedup;
  store: HostStateStore;
  ctx?: HostContext;
  lastKnown: Map<string, ContainerInfo>;
  handledStart: Map<string, string>;
  dirty: boolean;
}

const SAVE_INTERVAL_MS = 500;
const RECENT_KEYS = 1024;

/** The engine. */
export class Reactor {
  readonly #opts:
    & Required<Omit<ReactorOptions, "tap" | "backoff">>
    & Pick<ReactorOptions, "tap" | "backoff">;
  #hooks: Hook[];
  readonly #queue: KeyedQueue;
  readonly #hosts: HostRuntime[];
  readonly #log: Log;
  readonly stats: ReactorStats = {
    received: 0,
    duplicates: 0,
    handled: 0,
    hookRuns: 0,
    failures: 0,
    synthetic: 0,
  };
  /** Aborted when shutdown begins (handlers see it through their signal). */
  readonly #shutdown = new AbortController();

  constructor(opts: ReactorOptions) {
    this.#opts = {
      concurrency: 16,
      handlerTimeoutMs: 60_000,
      drainTimeoutMs: 10_000,
      exec: defaultExec,
      watchdogMs: 30_000,
      persist: true,
      resync: true,
      ...opts,
    };
    this.#hooks = [...opts.hooks];
    this.#log = opts.log;
    this.#queue = new KeyedQueue(this.#opts.concurrency, (err, key) => {
      this.#log.error(`Internal error while handling ${key}: ${errorMessage(err)}`);
    });
    this.#hosts = opts.hosts.map((connector) => ({
      connector,
      status: { id: connector.id, describe: connector.describe, state: "stopped" },
      tracker: new CursorTracker(),
      dedup: new Dedup(),
      doneKeys: new Dedup(RECENT_KEYS),
      store: new HostStateStore(opts.stateDir, connector.id),
      lastKnown: new Map(),
      handledStart: new Map(),
      dirty: false,
    }));
  }

  /** Replace the hooks; takes effect for the next event of each container. */
  setHooks(hooks: Hook[]): void {
    const old = this.#hooks;
    this.#hooks = [...hooks];
    for (const h of old) {
      if (!hooks.includes(h)) {
        h.close?.().catch((err) =>
          this.#log.warn(`Closing hook "${h.name}" failed: ${errorMessage(err)}`)
        );
      }
    }
  }

  /** Current hooks. */
  get hooks(): readonly Hook[] {
    return this.#hooks;
  }

  /** Status of every host. */
  hostStatus(): HostStatus[] {
    return this.#hosts.map((h) => ({ ...h.status }));
  }

  /** Queued or running container tasks. */
  get pending(): number {
    return this.#queue.size;
  }

  /**
   * Run until `signal` aborts: follow every host's events, then drain in-flight handlers
   * (bounded by `drainTimeoutMs`) and persist the cursors.
   */
  async run(signal: AbortSignal): Promise<void> {
    const loops = this.#hosts.map((h) => this.#hostLoop(h, signal));
    const saver = this.#opts.persist ? this.#saveLoop(signal) : Promise.resolve();
    await Promise.all(loops);
    await saver;
    await this.#drain();
    if (this.#opts.persist) await this.#saveAll();
    await this.close();
  }

  /**
   * Reconcile every running container once (a synthetic `start` through all hooks) and return
   * the counters; `failures > 0` means some hook failed.
   */
  async once(signal?: AbortSignal): Promise<ReactorStats> {
    const sig = signal ?? new AbortController().signal;
    const results = await Promise.allSettled(this.#hosts.map(async (h) => {
      const client = await h.connector.connect(sig);
      await this.#setupHost(h, client, sig);
      const list = await client.listContainers({ signal: sig });
      for (const c of list) {
        const ev = syntheticStart(c, nowNano());
        this.stats.synthetic++;
        this.#queue.push(
          `${h.connector.id}/${c.id}`,
          () => this.#handle(h, ev, "event", { force: true }),
        );
      }
    }));
    await this.#queue.idle();
    for (const [i, r] of results.entries()) {
      if (r.status === "rejected") {
        this.stats.failures++;
        this.#log.error(
          `Host "${this.#hosts[i]!.connector.id}" failed: ${errorMessage(r.reason)}`,
          { host: this.#hosts[i]!.connector.id },
        );
      }
    }
    await this.close();
    return { ...this.stats };
  }

  /** Close hooks and host connectors. */
  async close(): Promise<void> {
    this.#shutdown.abort();
    for (const h of this.#hooks) {
      await h.close?.().catch((err) =>
        this.#log.warn(`Closing hook "${h.name}" failed: ${errorMessage(err)}`)
      );
    }
    for (const h of this.#hosts) {
      h.ctx?.docker.close();
      await h.connector.close().catch((err) =>
        this.#log.warn(`Closing host "${h.connector.id}" failed: ${errorMessage(err)}`)
      );
      h.status.state = "stopped";
    }
  }

  async #drain(): Promise<void> {
    if (this.#queue.size === 0) return;
    this.#log.info(`Draining ${this.#queue.size} in-flight task(s)`, {
      timeoutMs: this.#opts.drainTimeoutMs,
    });
    const ac = new AbortController();
    const done = await Promise.race([
      this.#queue.idle().then(() => true),
      sleep(this.#opts.drainTimeoutMs, ac.signal).then(() => false),
    ]);
    ac.abort();
    if (!done) {
      this.#log.warn(
        `Drain timed out with ${this.#queue.size} task(s) left; their events will be replayed on restart`,
      );
      this.#shutdown.abort();
    }
  }

  async #setupHost(h: HostRuntime, client: DockerClient, signal: AbortSignal): Promise<void> {
    const ping = await client.negotiate(signal);
    let name = h.connector.id, rootless = false, engineVersion = "";
    try {
      const info = await client.info(signal);
      name = info.name || name;
      rootless = info.rootless;
      engineVersion = info.serverVersion;
    } catch (err) {
      this.#log.warn(`Cannot read /info: ${errorMessage(err)}`, { host: h.connector.id });
    }
    h.ctx?.docker.close();
    h.ctx = { id: h.connector.id, name, docker: client, rootless, local: h.connector.local };
    Object.assign(h.status, {
      apiVersion: client.apiVersion ?? ping.apiVersion,
      engineVersion,
      engineName: name,
    });
  }

  async #hostLoop(h: HostRuntime, signal: AbortSignal): Promise<void> {
    const id = h.connector.id;
    const log = this.#log.child({ host: id });
    if (this.#opts.persist) {
      const { state, warning } = await h.store.load(id);
      if (warning) log.warn(warning);
      h.tracker = new CursorTracker(state.since);
      h.dedup = new Dedup(8192, state.recent);
      h.doneKeys = new Dedup(RECENT_KEYS, state.recent);
      h.handledStart = new Map(Object.entries(state.started ?? {}));
    }
    const backoff = new Backoff(this.#opts.backoff);
    let lastError = "";
    while (!signal.aborted) {
      const session = new AbortController();
      const sessionSignal = AbortSignal.any([signal, session.signal]);
      let connectedAt = 0;
      let watchdog: ReturnType<typeof setInterval> | undefined;
      h.status.state = "connecting";
      try {
        const client = await h.connector.connect(sessionSignal);
        await this.#setupHost(h, client, sessionSignal);
        // First contact ever: start from now (minus a margin; dedup absorbs overlap) so that the
        // cursor exists and a restart resumes from here even if no event arrives meanwhile.
        if (h.tracker.cursor === undefined) {
          h.tracker.observe((BigInt(nowNano()) - 1_000_000_000n).toString());
          h.dirty = true;
        }
        const cursor = h.tracker.cursor;
        const res = await client.events({
          since: cursor ? nanoToSince(cursor) : undefined,
          signal: sessionSignal,
        });
        connectedAt = Date.now();
        Object.assign(h.status, { state: "up", connectedAt, lastError: undefined });
        log.info(`Connected to ${h.connector.describe}`, {
          api: client.apiVersion,
          engine: h.status.engineVersion,
          since: cursor,
        });
        lastError = "";
        watchdog = setInterval(() => {
          client.ping(AbortSignal.timeout(10_000)).catch((err) => {
            log.warn(`Ping failed, reconnecting: ${errorMessage(err)}`);
            session.abort(new Error("watchdog"));
          });
        }, this.#opts.watchdogMs);
        // Read the stream first (never let the daemon drop events), resync concurrently.
        const reading = this.#readStream(h, res.body!, log);
        if (this.#opts.resync) {
          this.#resync(h, client, sessionSignal, log).catch((err) => {
            if (!sessionSignal.aborted) {
              log.warn(`Resync failed, reconnecting: ${errorMessage(err)}`);
              session.abort(err);
            }
          });
        }
        await reading;
        if (!signal.aborted) log.warn("Event stream ended; reconnecting");
      } catch (err) {
        if (signal.aborted) break;
        const msg = errorMessage(err);
        h.status.lastError = msg;
        if (connectedAt) log.warn(`Event stream broke: ${msg}; reconnecting`);
        else if (msg !== lastError) log.error(`Host unavailable: ${msg}`);
        else log.debug(`Host still unavailable: ${msg}`);
        lastError = msg;
      } finally {
        clearInterval(watchdog);
        session.abort();
      }
      if (signal.aborted) break;
      h.status.state = "down";
      if (connectedAt && Date.now() - connectedAt > 30_000) backoff.reset();
      const delay = backoff.next();
      log.debug(`Reconnecting in ${delay} ms`, { attempt: backoff.attempt });
      await sleep(delay, signal);
    }
    h.status.state = "stopped";
  }

  async #readStream(h: HostRuntime, body: ReadableStream<Uint8Array>, log: Log): Promise<void> {
    for await (const line of ndjsonLines(body)) {
      let ev: ReactorEvent;
      try {
        ev = parseEvent(line, h.connector.id);
      } catch (err) {
        log.warn(errorMessage(err));
        continue;
      }
      this.#ingest(h, ev);
    }
  }

  #ingest(h: HostRuntime, ev: ReactorEvent): void {
    this.stats.received++;
    h.status.lastEventAt = Date.now();
    const key = eventKey(ev);
    if (h.dedup.seen(key)) {
      this.stats.duplicates++;
      return;
    }
    h.dirty = true;
    try {
      this.#opts.tap?.(ev);
    } catch (err) {
      this.#log.warn(`Event tap failed: ${errorMessage(err)}`);
    }
    const wanted = this.#hooks.some((hook) => {
      try {
        return hook.wants(ev);
      } catch {
        return true; // let runHooks report the failing filter
      }
    });
    const needsState = ev.type === "container" &&
      (ev.action === "start" || ev.action === "destroy");
    if (!wanted && !needsState) {
      h.tracker.observe(ev.timeNano);
      h.doneKeys.add(key);
      return;
    }
    const token = h.tracker.begin(ev.timeNano);
    this.#queue.push(queueKey(ev), async () => {
      try {
        await this.#handle(h, ev, "event");
      } finally {
        h.tracker.done(token);
        h.doneKeys.add(key);
        h.dirty = true;
      }
    });
  }

  async #resync(
    h: HostRuntime,
    client: DockerClient,
    signal: AbortSignal,
    log: Log,
  ): Promise<void> {
    const list = await client.listContainers({ signal });
    const running = new Set(list.map((c) => c.id));
    for (const id of h.lastKnown.keys()) {
      if (!running.has(id) && !h.handledStart.has(id)) h.lastKnown.delete(id);
    }
    for (const id of h.handledStart.keys()) {
      if (!running.has(id) && !h.lastKnown.has(id)) h.handledStart.delete(id);
    }
    log.debug(`Resync: ${list.length} running container(s)`);
    for (const c of list) {
      const ev = syntheticStart(c, nowNano());
      this.#queue.push(`${h.connector.id}/${c.id}`, () => this.#handle(h, ev, "resync"));
    }
  }

  /**
   * Handle one event for a host. For `resync` triggers the container is inspected and either its
   * missed start is synthesized (start never handled for this incarnation) or the hooks' resync
   * runs. `force` skips the start dedup (`reactor once`).
   */
  async #handle(
    h: HostRuntime,
    ev: ReactorEvent,
    trigger: Trigger,
    opts: { force?: boolean } = {},
  ): Promise<void> {
    const ctx = h.ctx;
    if (!ctx) return;
    let container: ContainerInfo | undefined;
    const cid = ev.type === "container" ? ev.actor.id : ev.actor.attributes["container"];
    if (cid) container = await this.#inspect(h, cid);
    let effectiveTrigger: Trigger = trigger;
    if (ev.type === "container" && ev.action === "start" && container) {
      const handledAt = h.handledStart.get(container.id);
      const same = handledAt !== undefined && handledAt === container.startedAt;
      if (trigger === "resync") {
        if (!container.running) return;
        if (!same) {
          effectiveTrigger = "event"; // a missed start: synthesize it
          this.stats.synthetic++;
        }
      } else if (same && !opts.force) {
        this.#log.debug("Start already handled for this container incarnation; skipping", {
          host: h.connector.id,
          container: container.name,
        });
        return;
      }
      h.handledStart.set(container.id, container.startedAt);
      h.dirty = true;
    } else if (trigger === "resync") {
      return;
    }
    const log = this.#log.child({
      host: h.connector.id,
      container: container?.name ?? ev.actor.attributes["name"] ?? ev.actor.id.slice(0, 12),
      action: ev.action,
      ...(ev.synthetic ? { synthetic: true } : {}),
    });
    const outcomes = await runHooks({
      hooks: this.#hooks,
      event: ev,
      container,
      host: ctx,
      log,
      exec: this.#opts.exec,
      trigger: effectiveTrigger,
      timeoutMs: this.#opts.handlerTimeoutMs,
      signal: this.#shutdown.signal,
    });
    this.stats.handled++;
    this.stats.hookRuns += outcomes.length;
    this.stats.failures += outcomes.filter((o) => !o.ok).length;
    if (ev.type === "container" && ev.action === "destroy") {
      h.lastKnown.delete(ev.actor.id);
      h.handledStart.delete(ev.actor.id);
    }
  }

  async #inspect(h: HostRuntime, id: string): Promise<ContainerInfo | undefined> {
    try {
      const info = await h.ctx!.docker.inspect(id);
      h.lastKnown.set(info.id, info);
      return info;
    } catch (err) {
      if (err instanceof DockerApiError && err.isGone) {
        const known = h.lastKnown.get(id);
        if (known) return { ...known, running: false, pid: 0 };
        return undefined;
      }
      this.#log.warn(`Cannot inspect container ${id.slice(0, 12)}: ${errorMessage(err)}`, {
        host: h.connector.id,
      });
      return h.lastKnown.get(id);
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
      h.dirty = false;
      const since = h.tracker.cursor;
      try {
        await h.store.save({
          version: 1,
          hostId: h.connector.id,
          since,
          recent: h.doneKeys.recent(RECENT_KEYS),
          started: Object.fromEntries(h.handledStart),
          updatedAt: "",
        });
      } catch (err) {
        this.#log.error(`Cannot save cursor ${h.store.path}: ${errorMessage(err)}`, {
          host: h.connector.id,
        });
      }
    }
  }
}

/** Per-container ordering key: container events and network events that name a container. */
export function queueKey(ev: ReactorEvent): string {
  const cid = ev.type === "container" ? ev.actor.id : ev.actor.attributes["container"];
  return cid ? `${ev.hostId}/${cid}` : `${ev.hostId}/${ev.type}/${ev.actor.id}`;
}

/** Current time as an exact nanosecond string. */
export function nowNano(): string {
  return (BigInt(Date.now()) * 1_000_000n).toString();
}
