/**
 * The container inventory: a live, level-triggered view of every host's containers (inspect
 * data), rebuilt from the container list on every resync and kept current by events. Hooks that
 * render from the whole set (HAProxy, etcd) read it and subscribe to a debounced "changed"
 * callback, as docker-gen and Traefik do; the engine also takes a container's last known state
 * from here for events of containers that are gone.
 *
 * @module
 */
import type { ContainerInfo, HealthStatus } from "../reactor.d.ts";
import { Debouncer } from "../util/debounce.ts";

/** Why the view changed. */
export interface InventoryChange {
  readonly hostId: string;
  readonly reason: "resync" | "start" | "stop" | "destroy" | "health" | "rename" | "update";
  /** The container concerned (absent for a resync). */
  readonly id?: string;
}

/** Options of {@link Inventory.subscribe}. */
export interface SubscribeOptions {
  /** Quiet time before the callback (default 0: next tick). */
  minMs?: number;
  /** Longest delay after the first change of a burst (default `minMs`). */
  maxMs?: number;
  /** Called when the callback throws (it is called again on the next change). */
  onError?: (err: unknown) => void;
}

/** A subscription; `close()` stops it. */
export interface InventorySubscription {
  close(): void;
  /** Resolves when no callback is pending or running. */
  idle(): Promise<void>;
}

interface HostView {
  readonly containers: Map<string, ContainerInfo>;
  synced: boolean;
}

interface Sub {
  pending: InventoryChange[];
  debouncer: Debouncer;
}

/** Containers of every host, by host id and container id. */
export class Inventory {
  readonly #hosts = new Map<string, HostView>();
  readonly #subs = new Set<Sub>();

  /**
   * True when someone subscribed (relies on the view being current): the engine then inspects
   * every start, even when no hook needs the container.
   */
  get watched(): boolean {
    return this.#subs.size > 0;
  }

  /** Register a host (the engine does, for each configured host). */
  addHost(hostId: string): void {
    if (!this.#hosts.has(hostId)) this.#hosts.set(hostId, { containers: new Map(), synced: false });
  }

  /** Host ids, in the order they were added. */
  hostIds(): string[] {
    return [...this.#hosts.keys()];
  }

  /** Running containers (of one host, or of all), in a stable order (host, then name). */
  running(hostId?: string): ContainerInfo[] {
    return this.#select(hostId, (c) => c.running);
  }

  /** Every known container, stopped ones included. */
  all(hostId?: string): ContainerInfo[] {
    return this.#select(hostId, () => true);
  }

  /** One container's last known state. */
  get(hostId: string, id: string): ContainerInfo | undefined {
    return this.#hosts.get(hostId)?.containers.get(id);
  }

  /** True once the host (or every host) has been listed since its last (re)connect. */
  synced(hostId?: string): boolean {
    if (hostId !== undefined) return this.#hosts.get(hostId)?.synced ?? false;
    return [...this.#hosts.values()].every((h) => h.synced);
  }

  /** Number of containers held (all hosts). */
  get size(): number {
    let n = 0;
    for (const h of this.#hosts.values()) n += h.containers.size;
    return n;
  }

  /**
   * Call `fn` with the changes since its last call, debounced (`minMs..maxMs`). Calls never
   * overlap; changes during a call are delivered in the next one.
   */
  subscribe(
    fn: (changes: InventoryChange[]) => void | Promise<void>,
    opts: SubscribeOptions = {},
  ): InventorySubscription {
    const sub: Sub = {
      pending: [],
      debouncer: new Debouncer(async () => {
        const changes = sub.pending.splice(0);
        if (changes.length) await fn(changes);
      }, { minMs: opts.minMs ?? 0, maxMs: opts.maxMs, onError: opts.onError }),
    };
    this.#subs.add(sub);
    return {
      close: () => {
        this.#subs.delete(sub);
        sub.debouncer.close();
      },
      idle: () => sub.debouncer.idle(),
    };
  }

  // ---- fed by the engine -----------------------------------------------------------------

  /** A container was inspected (start, resync, network change). */
  upsert(info: ContainerInfo, reason: InventoryChange["reason"] = "update"): void {
    const h = this.#view(info.hostId);
    h.containers.set(info.id, info);
    this.#changed({ hostId: info.hostId, reason, id: info.id });
  }

  /** The container stopped (die/stop/kill with no inspect): keep its data, not running. */
  stopped(hostId: string, id: string): void {
    const c = this.get(hostId, id);
    if (!c || !c.running) return;
    this.#view(hostId).containers.set(id, { ...c, running: false, pid: 0, status: "exited" });
    this.#changed({ hostId, reason: "stop", id });
  }

  /** Health from a `health_status` event. */
  health(hostId: string, id: string, health: HealthStatus): void {
    const c = this.get(hostId, id);
    if (!c || c.health === health) return;
    this.#view(hostId).containers.set(id, { ...c, health });
    this.#changed({ hostId, reason: "health", id });
  }

  /** New name from a `rename` event. */
  renamed(hostId: string, id: string, name: string): void {
    const c = this.get(hostId, id);
    if (!c || !name || c.name === name) return;
    this.#view(hostId).containers.set(id, { ...c, name });
    this.#changed({ hostId, reason: "rename", id });
  }

  /** The container was removed. */
  remove(hostId: string, id: string): void {
    if (this.#view(hostId).containers.delete(id)) {
      this.#changed({ hostId, reason: "destroy", id });
    }
  }

  /** The host's connection broke: its view is kept but is no longer known to be current. */
  unsynced(hostId: string): void {
    this.#view(hostId).synced = false;
  }

  /**
   * A resync listed the host: containers not in `existing` (every container id the engine has,
   * running or not) are forgotten; the view counts as current again.
   */
  resynced(hostId: string, existing: ReadonlySet<string>): void {
    const h = this.#view(hostId);
    for (const id of [...h.containers.keys()]) if (!existing.has(id)) h.containers.delete(id);
    h.synced = true;
    this.#changed({ hostId, reason: "resync" });
  }

  #view(hostId: string): HostView {
    this.addHost(hostId);
    return this.#hosts.get(hostId)!;
  }

  #select(hostId: string | undefined, pred: (c: ContainerInfo) => boolean): ContainerInfo[] {
    const views = hostId === undefined
      ? [...this.#hosts.values()]
      : [this.#hosts.get(hostId)].filter((v): v is HostView => !!v);
    const out: ContainerInfo[] = [];
    for (const v of views) {
      const list = [...v.containers.values()].filter(pred);
      list.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
      out.push(...list);
    }
    return out;
  }

  #changed(change: InventoryChange): void {
    for (const s of this.#subs) {
      s.pending.push(change);
      s.debouncer.trigger();
    }
  }
}
