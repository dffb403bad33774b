/**
 * Which host routes reactor added for which container, persisted in the state directory
 * (`<stateDir>/labels/host-routes.json`, written atomically: temp file + fsync + rename), so a
 * `die`/`stop` removes them even after reactor restarted in between.
 *
 * @module
 */
import { writeFileAtomic } from "../util/atomic_write.ts";

/** One host route reactor added, as the words after `ip route` (`["add", "10.0.0.0/8", …]`). */
export interface StoredRoute {
  /** The words that created it (verb included). */
  words: string[];
  /** The words that delete it (`["del", …]`). */
  del: string[];
}

/** A container's entry. */
export interface StoredContainer {
  hostId: string;
  containerId: string;
  name: string;
  routes: StoredRoute[];
  updatedAt: string;
}

interface FileShape {
  version: 1;
  containers: Record<string, StoredContainer>;
}

/** The key of a container in the store. */
export function storeKey(hostId: string, containerId: string): string {
  return `${hostId}/${containerId}`;
}

/** Persistent, process-wide serialized record of host routes per container. */
export class HostRoutesStore {
  readonly path: string;
  #data: FileShape | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(stateDir: string) {
    this.path = `${stateDir}/labels/host-routes.json`;
  }

  /** Serialize all access (hooks for different containers run in parallel). */
  #locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => {});
    return run;
  }

  async #load(): Promise<FileShape> {
    if (this.#data) return this.#data;
    let text: string;
    try {
      text = await Deno.readTextFile(this.path);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) {
        this.#data = { version: 1, containers: {} };
        return this.#data;
      }
      throw err;
    }
    const v = JSON.parse(text) as Partial<FileShape>;
    if (v?.version !== 1 || typeof v.containers !== "object" || v.containers === null) {
      throw new Error(
        `Cannot read ${this.path}: unknown format — move it away; reactor starts a new one`,
      );
    }
    this.#data = { version: 1, containers: v.containers };
    return this.#data;
  }

  async #save(): Promise<void> {
    await writeFileAtomic(this.path, JSON.stringify(this.#data!, null, 2) + "\n", {
      mkdirMode: 0o700,
    });
  }

  /** Record that `route` was added for a container (no duplicate entries). */
  record(
    c: { hostId: string; containerId: string; name: string },
    route: StoredRoute,
  ): Promise<void> {
    return this.#locked(async () => {
      const d = await this.#load();
      const key = storeKey(c.hostId, c.containerId);
      const e = d.containers[key] ??
        { ...c, routes: [], updatedAt: "" };
      const same = (r: StoredRoute) => r.del.join(" ") === route.del.join(" ");
      if (!e.routes.some(same)) e.routes.push(route);
      e.name = c.name;
      e.updatedAt = new Date().toISOString();
      d.containers[key] = e;
      await this.#save();
    });
  }

  /** The routes recorded for a container. */
  routesOf(hostId: string, containerId: string): Promise<StoredRoute[]> {
    return this.#locked(async () => {
      const d = await this.#load();
      return [...(d.containers[storeKey(hostId, containerId)]?.routes ?? [])];
    });
  }

  /** True when some other container's record holds the same route. */
  sharedWithOthers(hostId: string, containerId: string, route: StoredRoute): Promise<boolean> {
    return this.#locked(async () => {
      const d = await this.#load();
      const me = storeKey(hostId, containerId);
      const del = route.del.join(" ");
      return Object.entries(d.containers).some(([k, e]) =>
        k !== me && e.routes.some((r) => r.del.join(" ") === del)
      );
    });
  }

  /** Forget one route of a container (after it was deleted). */
  forget(hostId: string, containerId: string, route: StoredRoute): Promise<void> {
    return this.#locked(async () => {
      const d = await this.#load();
      const key = storeKey(hostId, containerId);
      const e = d.containers[key];
      if (!e) return;
      e.routes = e.routes.filter((r) => r.del.join(" ") !== route.del.join(" "));
      if (e.routes.length === 0) delete d.containers[key];
      await this.#save();
    });
  }

  /** All entries (for sweeping containers that disappeared while reactor was down). */
  entries(): Promise<StoredContainer[]> {
    return this.#locked(async () => Object.values((await this.#load()).containers));
  }
}
