/**
 * What should be in etcd: per Docker host, the key and record of every running container, plus
 * the keys of removed containers still to delete. Pure bookkeeping (no I/O); the publisher's
 * session makes etcd match it.
 *
 * @module
 */
import { errorMessage } from "../errors.ts";
import { type HostScope, hostScope, type KeyTemplate, renderKey } from "./key.ts";
import {
  containerRecord,
  type PublishableContainer,
  type PublisherHost,
  recordJson,
} from "./summary.ts";

/** One host's desired keys. */
export interface HostEntry {
  host: PublisherHost;
  scope: HostScope;
  /** key → record JSON. */
  wanted: Map<string, string>;
  /** container id → key. */
  keyOf: Map<string, string>;
  /** Needs a reconcile against etcd. */
  dirty: boolean;
}

/** Options for {@link DesiredState}. */
export interface DesiredOptions {
  keyTemplate: KeyTemplate;
  prefix: string;
  /** Called for containers that cannot be published (the message ends with the fix). */
  warn: (message: string) => void;
}

/** The desired state of every host. */
export class DesiredState {
  readonly #opts: DesiredOptions;
  /** By configured host id. */
  readonly hosts: Map<string, HostEntry> = new Map();
  /** Keys to delete: removed containers, or a host directory that moved. */
  readonly deletes: Set<string> = new Set();

  constructor(opts: DesiredOptions) {
    this.#opts = opts;
  }

  /** Replace the set of one host (only running containers count). */
  set(hostId: string, host: PublisherHost, containers: readonly PublishableContainer[]): void {
    const { keyTemplate: t, prefix, warn } = this.#opts;
    const scope = hostScope(t, prefix, { hostId: host.hostId, engine: host.engineName });
    const entry: HostEntry = { host, scope, wanted: new Map(), keyOf: new Map(), dirty: true };
    const running = containers.filter((c) => c.running).sort((a, b) => a.id < b.id ? -1 : 1);
    for (const c of running) {
      let key: string;
      try {
        key = renderKey(t, prefix, {
          hostId: host.hostId,
          engine: host.engineName,
          name: c.name,
          id: c.id,
        });
      } catch (err) {
        warn(`${errorMessage(err)} for container ${c.id.slice(0, 12)} — it is not published`);
        continue;
      }
      if (entry.wanted.has(key)) {
        warn(
          `Cannot publish container ${
            c.id.slice(0, 12)
          }: key ${key} is taken by another container — put {id} in keyTemplate`,
        );
        continue;
      }
      entry.wanted.set(key, recordJson(containerRecord(c, host)));
      entry.keyOf.set(c.id, key);
    }
    const prev = this.hosts.get(hostId);
    if (prev && prev.scope.dir !== scope.dir) {
      for (const key of prev.wanted.keys()) this.deletes.add(key); // the engine was renamed
    }
    for (const key of entry.wanted.keys()) this.deletes.delete(key);
    this.hosts.set(hostId, entry);
  }

  /** Forget one container and queue its key for deletion; false when it was not known. */
  remove(hostId: string, containerId: string): boolean {
    const h = this.hosts.get(hostId);
    const key = h?.keyOf.get(containerId);
    if (!h || key === undefined) return false;
    h.keyOf.delete(containerId);
    h.wanted.delete(key);
    this.deletes.add(key);
    return true;
  }

  /** True when some host wants `key`. */
  isWanted(key: string): boolean {
    for (const h of this.hosts.values()) if (h.wanted.has(key)) return true;
    return false;
  }

  /** Number of keys that should be published. */
  get keyCount(): number {
    let n = 0;
    for (const h of this.hosts.values()) n += h.wanted.size;
    return n;
  }

  /** Every host needs a reconcile (after a (re)connection). */
  markAllDirty(): void {
    for (const h of this.hosts.values()) h.dirty = true;
  }
}
