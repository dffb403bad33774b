/**
 * Deduplication of replayed or doubled events. The Engine delivers at least once: the same event
 * can come from the replay buffer and live, and some are emitted twice.
 *
 * @module
 */
import type { ReactorEvent } from "../reactor.d.ts";

/** Identity of an event: exact time, type, full action and actor. */
export function eventKey(ev: ReactorEvent): string {
  return `${ev.timeNano}|${ev.type}|${ev.rawAction}|${ev.actor.id}`;
}

/** How many recent event keys a host's duplicate filter remembers. */
export const DEDUP_WINDOW = 8192;

/** A bounded set that remembers the most recent keys (insertion order eviction). */
export class Dedup {
  readonly #max: number;
  readonly #set = new Set<string>();

  constructor(max = DEDUP_WINDOW, initial: Iterable<string> = []) {
    this.#max = max;
    for (const k of initial) this.add(k);
  }

  /** True if `key` was seen before; otherwise remembers it and returns false. */
  seen(key: string): boolean {
    if (this.#set.has(key)) return true;
    this.add(key);
    return false;
  }

  /** Remember `key`. */
  add(key: string): void {
    this.#set.add(key);
    if (this.#set.size > this.#max) {
      const first = this.#set.values().next().value;
      if (first !== undefined) this.#set.delete(first);
    }
  }

  /** The newest `n` keys (for persistence). */
  recent(n: number): string[] {
    const all = [...this.#set];
    return all.slice(Math.max(0, all.length - n));
  }

  get size(): number {
    return this.#set.size;
  }
}
