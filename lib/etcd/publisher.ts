/**
 * Publishes running containers to etcd v3, each under its key (`key.ts`) as a JSON record
 * (`summary.ts`), every key attached to the ONE lease this publisher keeps alive: when reactor
 * or its machine dies, the lease expires and every key it published vanishes within the TTL.
 *
 * The caller states what should be there (`sync(hostId, containers)`, level-triggered, and
 * `remove(hostId, containerId)` on die/destroy); a background session makes etcd match:
 * - each (re)connection checks the lease (grants a new one if it expired or was revoked while
 *   etcd was unreachable, or etcd lost its data) and reconciles every host: keys in the host's
 *   directory that no running container backs are deleted, missing or changed ones are written;
 * - a broken session (connection lost, timeout, lease gone) is retried with backoff;
 * - `close()` revokes the lease, so a clean shutdown removes the keys at once.
 *
 * @module
 */
import { errorMessage, ReactorError } from "../errors.ts";
import type { Log } from "../log.ts";
import { Backoff, type BackoffOptions } from "../util/backoff.ts";
import { formatDuration } from "../util/duration.ts";
import { sleep } from "../util/sleep.ts";
import { EtcdClient, type EtcdKv, readEtcdTls } from "./client.ts";
import { EtcdError } from "./errors.ts";
import { DesiredState, type HostEntry } from "./desired.ts";
import { planHost } from "./reconcile.ts";
import type { EtcdSettings } from "./settings.ts";
import type { PublishableContainer, PublisherHost } from "./summary.ts";

/** What the publisher needs from reactor. */
export interface PublisherDeps {
  log: Log;
  /** Identity of a configured Docker host: its id and the engine's name (`/info` `Name`). */
  hostInfo: (hostId: string) => PublisherHost;
  /** Test seam: open the etcd client (default: {@link EtcdClient} from the settings). */
  openClient?: (settings: EtcdSettings, timeoutMs: number) => Promise<EtcdKv>;
  /** Reconnect backoff (default 500 ms doubling to 30 s, full jitter). */
  backoff?: BackoffOptions;
}

/** `idle` before start, `connecting` until the first session is up, `down` between retries. */
export type PublisherState = "idle" | "connecting" | "up" | "down" | "closed";

/** A snapshot for `reactor status` and metrics. */
export interface PublisherStatus {
  state: PublisherState;
  /** The endpoint in use. */
  endpoint?: string;
  leaseId?: string;
  /** TTL etcd granted (may exceed the configured one: etcd has a minimum). */
  ttlSeconds?: number;
  hosts: number;
  /** Keys that should be published. */
  keys: number;
  /** True when etcd matches the desired state. */
  settled: boolean;
  leasesGranted: number;
  /** The error that broke the last session. */
  lastError?: string;
}

/** One lease per publisher, one publisher per reactor. */
export class EtcdPublisher {
  readonly #settings: EtcdSettings;
  readonly #deps: PublisherDeps;
  readonly #log: Log;
  readonly #desired: DesiredState;
  readonly #stop = new AbortController();
  readonly #warned = new Set<string>();
  #client: EtcdKv | undefined;
  #lease: { id: string; ttl: number } | undefined;
  #state: PublisherState = "idle";
  #lastError: string | undefined;
  #leasesGranted = 0;
  #gen = 0;
  #applied = -1;
  #waiters: { gen: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  constructor(settings: EtcdSettings, deps: PublisherDeps) {
    this.#settings = settings;
    this.#deps = deps;
    this.#log = deps.log.child({ hook: "etcd" });
    this.#desired = new DesiredState({
      keyTemplate: settings.keyTemplate,
      prefix: settings.prefix,
      warn: (m) => this.#warnOnce(m),
    });
  }

  /** Start the background session. Aborting `signal` is the same as {@link close}. */
  start(signal?: AbortSignal): void {
    if (this.#loop || this.#closing) return;
    this.#state = "connecting";
    signal?.addEventListener("abort", () => void this.close(), { once: true });
    this.#loop = this.#run(this.#stop.signal);
  }

  /**
   * The complete set of containers of one Docker host (only running ones are published).
   * Returns at once; the session writes and deletes in the background ({@link settled}).
   * `sync(hostId, [])` removes every key of that host.
   */
  sync(hostId: string, containers: readonly PublishableContainer[]): void {
    if (this.#closing) return;
    this.#desired.set(hostId, this.#deps.hostInfo(hostId), containers);
    this.#changed();
  }

  /** A container died or was destroyed: delete its key now (the next sync agrees). */
  remove(hostId: string, containerId: string): void {
    if (this.#desired.remove(hostId, containerId)) this.#changed();
  }

  /** Resolves once etcd matches every sync/remove made before this call. Rejects when closed. */
  settled(signal?: AbortSignal): Promise<void> {
    const gen = this.#gen;
    if (this.#applied >= gen && this.#state === "up") return Promise.resolve();
    if (this.#closing) return Promise.reject(closedError());
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#waiters = this.#waiters.filter((x) => x !== w);
        reject(signal!.reason);
      };
      const done = () => signal?.removeEventListener("abort", onAbort);
      const w = {
        gen,
        resolve: () => (done(), resolve()),
        reject: (e: unknown) => (done(), reject(e)),
      };
      this.#waiters.push(w);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Stop the session and revoke the lease (every published key goes). Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#stop.abort();
      this.#wake?.();
      await this.#loop?.catch(() => {});
      const lease = this.#lease, client = this.#client;
      if (lease && client) {
        try {
          await client.leaseRevoke(lease.id);
          this.#log.info("etcd lease revoked: published keys removed", { lease: lease.id });
        } catch (err) {
          this.#log.warn(
            `Cannot revoke etcd lease ${lease.id}: ${
              errorMessage(err)
            }; its keys vanish within ${lease.ttl}s`,
          );
        }
      }
      this.#lease = undefined;
      client?.close();
      this.#state = "closed";
      for (const w of this.#waiters.splice(0)) w.reject(closedError());
    })();
    return this.#closing;
  }

  /** Current state, for status and metrics. */
  status(): PublisherStatus {
    return {
      state: this.#state,
      endpoint: this.#client?.endpoint,
      leaseId: this.#lease?.id,
      ttlSeconds: this.#lease?.ttl,
      hosts: this.#desired.hosts.size,
      keys: this.#desired.keyCount,
      settled: this.#state === "up" && this.#applied >= this.#gen,
      leasesGranted: this.#leasesGranted,
      lastError: this.#lastError,
    };
  }

  #changed(): void {
    this.#gen++;
    this.#wake?.();
  }

  #warnOnce(message: string): void {
    if (this.#warned.has(message)) return;
    if (this.#warned.size > 1000) this.#warned.clear();
    this.#warned.add(message);
    this.#log.warn(message);
  }

  get #timeoutMs(): number {
    return Math.min(5000, Math.max(2000, Math.floor(this.#settings.ttlSeconds * 1000 / 3)));
  }

  async #open(): Promise<EtcdKv> {
    const s = this.#settings;
    if (this.#deps.openClient) return await this.#deps.openClient(s, this.#timeoutMs);
    const tls = s.tls ? await readEtcdTls(s.tls) : undefined;
    return new EtcdClient({
      endpoints: s.endpoints,
      tls,
      username: s.username,
      password: s.password,
      timeoutMs: this.#timeoutMs,
      log: this.#log,
    });
  }

  /** Sessions until closed, with backoff between them. */
  async #run(stop: AbortSignal): Promise<void> {
    const backoff = new Backoff({ baseMs: 500, capMs: 30_000, minMs: 200, ...this.#deps.backoff });
    while (!stop.aborted) {
      try {
        this.#client ??= await this.#open();
        await this.#session(this.#client, stop, () => backoff.reset());
      } catch (err) {
        if (stop.aborted) break;
        if (err instanceof EtcdError && err.leaseNotFound) this.#lease = undefined;
        const delay = backoff.next();
        const msg = errorMessage(err);
        const fields = { retryIn: formatDuration(delay), endpoint: this.#client?.endpoint };
        if (this.#state !== "down" || msg !== this.#lastError) {
          this.#log.warn(`etcd publisher: ${msg}`, fields);
        } else this.#log.debug(`etcd publisher: ${msg}`, fields);
        this.#state = "down";
        this.#lastError = msg;
        await sleep(delay, stop);
      }
    }
  }

  /** One connection: check or grant the lease, reconcile everything, then follow changes. */
  async #session(c: EtcdKv, stop: AbortSignal, onUp: () => void): Promise<void> {
    const ctl = new AbortController();
    const signal = AbortSignal.any([stop, ctl.signal]);
    if (this.#lease) {
      const ttl = await c.leaseKeepAlive(this.#lease.id, { signal });
      if (ttl <= 0) {
        this.#log.warn(
          `etcd lease ${this.#lease.id} is gone (expired or revoked while unreachable, or etcd lost its data): granting a new one and publishing every key again`,
        );
        this.#lease = undefined;
      }
    }
    if (!this.#lease) {
      this.#lease = await c.leaseGrant(this.#settings.ttlSeconds, { signal });
      this.#leasesGranted++;
      this.#log.info("etcd lease granted", { lease: this.#lease.id, ttl: this.#lease.ttl });
    }
    const lease = this.#lease;
    this.#desired.markAllDirty(); // full reconcile on every connection
    let failure: unknown;
    const fail = (err: unknown) => {
      failure ??= err;
      ctl.abort();
    };
    await Promise.all([
      this.#keepAlive(c, lease, signal).catch(fail),
      this.#work(c, lease.id, signal, onUp).catch(fail),
    ]);
    if (failure !== undefined && !stop.aborted) throw failure;
  }

  async #keepAlive(c: EtcdKv, lease: { id: string; ttl: number }, signal: AbortSignal) {
    const every = Math.max(500, Math.floor(lease.ttl * 1000 / 3));
    while (!signal.aborted) {
      await sleep(every, signal);
      if (signal.aborted) return;
      const ttl = await c.leaseKeepAlive(lease.id, { signal });
      if (ttl <= 0) {
        throw new EtcdError({
          kind: "not-found",
          operation: `keep lease ${lease.id} alive`,
          endpoint: c.endpoint,
          detail: "etcdserver: requested lease not found (expired or revoked)",
          fix: "reactor grants a new lease and publishes again",
        });
      }
    }
  }

  async #work(c: EtcdKv, lease: string, signal: AbortSignal, onUp: () => void): Promise<void> {
    let first = true;
    while (!signal.aborted) {
      const gen = this.#gen;
      await this.#drain(c, lease, signal);
      if (signal.aborted) return;
      if (first) {
        first = false;
        onUp();
        this.#up(c);
      }
      this.#applied = gen;
      const ready = this.#waiters.filter((w) => w.gen <= gen);
      this.#waiters = this.#waiters.filter((w) => w.gen > gen);
      for (const w of ready) w.resolve();
      if (this.#gen === gen) await this.#nextChange(signal);
    }
  }

  #up(c: EtcdKv): void {
    const was = this.#state;
    this.#state = "up";
    this.#lastError = undefined;
    const s = this.status();
    const fields = { endpoint: c.endpoint, lease: s.leaseId, hosts: s.hosts, keys: s.keys };
    if (was === "down") this.#log.info("etcd publisher reconnected and republished", fields);
    else this.#log.info("etcd publisher up", fields);
  }

  #nextChange(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener("abort", done);
        this.#wake = undefined;
        resolve();
      };
      this.#wake = done;
      signal.addEventListener("abort", done, { once: true });
    });
  }

  async #drain(c: EtcdKv, lease: string, signal: AbortSignal): Promise<void> {
    const { deletes, hosts } = this.#desired;
    for (const key of [...deletes]) {
      if (!this.#desired.isWanted(key)) {
        await c.delete(key, { signal });
        this.#log.debug("etcd key deleted", { key });
      }
      deletes.delete(key);
    }
    for (const [hostId, h] of hosts) {
      if (!h.dirty || signal.aborted) continue;
      h.dirty = false;
      try {
        await this.#reconcile(c, lease, hostId, h, signal);
      } catch (err) {
        h.dirty = true;
        throw err;
      }
    }
  }

  /** Make one host's directory match: delete what no running container backs, write the rest. */
  async #reconcile(
    c: EtcdKv,
    lease: string,
    hostId: string,
    h: HostEntry,
    signal: AbortSignal,
  ): Promise<void> {
    const host = { hostId: h.host.hostId, engine: h.host.engineName };
    const scope = h.scope;
    const wanted = new Map(h.wanted);
    const existing = await c.getPrefix(scope.dir, { signal });
    const plan = planHost({ scope, existing, wanted, lease, host });
    for (const f of plan.foreign) {
      this.#warnOnce(
        f.owner
          ? `etcd key ${f.kv.key} was published by engine "${f.owner.engine}" for host id "${f.owner.hostId}": two reactors use host id "${host.hostId}" under one prefix — give the hosts unique ids or put {engine} in keyTemplate`
          : `etcd key ${f.kv.key} in host "${host.hostId}"'s directory is not a reactor record; left alone — move it out of ${this.#settings.prefix}`,
      );
    }
    for (const key of plan.deletes) await c.delete(key, { signal });
    for (const { key, value } of plan.puts) await c.put(key, value, { lease, signal });
    if (plan.puts.length || plan.deletes.length) {
      this.#log.debug("etcd host reconciled", {
        host: hostId,
        dir: scope.dir,
        keys: wanted.size,
        written: plan.puts.length,
        deleted: plan.deletes.length,
      });
    }
  }
}

function closedError(): ReactorError {
  return new ReactorError("The etcd publisher is closed");
}
