/**
 * Hands a live resource of a level-triggered hook (the metrics port, the etcd lease) over to its
 * replacement across a config reload. The engine starts a reload's new hooks before it closes
 * the old ones, so a new hook with the same settings claims the resource while the old hook
 * still holds it, and the old hook's release then leaves it running: a reload that does not
 * change the settings rebinds no port and grants no new lease. A resource is disposed by
 * whoever releases it last.
 *
 * @module
 */

interface Held<T> {
  readonly value: T;
  readonly holders: Set<object>;
}

/** Resources shared by the hooks of one engine (the scope), by settings key. */
export class Handover<T> {
  readonly #scopes = new WeakMap<object, Map<string, Held<T>>>();

  /**
   * The resource under `key` in `scope` (one engine: pass its inventory), made by `create` when
   * nobody holds one. `holder` is the hook; it must {@link release} it.
   *
   * @example
   * ```ts
   * import { Handover } from "./handover.ts";
   * const h = new Handover<{ n: number }>();
   * const engine = {}, oldHook = {}, newHook = {};
   * const a = h.claim(engine, "k", oldHook, () => ({ n: 1 }));
   * const b = h.claim(engine, "k", newHook, () => ({ n: 2 }));
   * a.value === b.value; // true: the reload reuses it
   * h.release(engine, oldHook); // [] — still held by newHook
   * ```
   */
  claim(
    scope: object,
    key: string,
    holder: object,
    create: () => T,
  ): { value: T; created: boolean } {
    let byKey = this.#scopes.get(scope);
    if (!byKey) {
      byKey = new Map();
      this.#scopes.set(scope, byKey);
    }
    const held = byKey.get(key);
    if (held) {
      held.holders.add(holder);
      return { value: held.value, created: false };
    }
    const value = create();
    byKey.set(key, { value, holders: new Set([holder]) });
    return { value, created: true };
  }

  /** Drop `holder`'s claims; returns the resources nobody holds any more (dispose them). */
  release(scope: object, holder: object): T[] {
    const byKey = this.#scopes.get(scope);
    if (!byKey) return [];
    const orphaned: T[] = [];
    for (const [key, held] of byKey) {
      if (!held.holders.delete(holder) || held.holders.size > 0) continue;
      byKey.delete(key);
      orphaned.push(held.value);
    }
    return orphaned;
  }
}
