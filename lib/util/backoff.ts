/**
 * Capped exponential backoff with full jitter: delay = random(0, min(cap, base·2^attempt)),
 * never below `min`. Prevents retry storms when many reactors lose the same engine.
 *
 * @module
 */

/** Options for {@link Backoff}. */
export interface BackoffOptions {
  /** First ceiling in ms (default 250). */
  baseMs?: number;
  /** Largest ceiling in ms (default 30 000). */
  capMs?: number;
  /** Smallest delay in ms (default 100). */
  minMs?: number;
  /** Random source in [0,1) (tests inject a fixed one). */
  random?: () => number;
}

/** Stateful backoff: `next()` for each failure, `reset()` after a healthy session. */
export class Backoff {
  #attempt = 0;
  readonly #base: number;
  readonly #cap: number;
  readonly #min: number;
  readonly #random: () => number;

  constructor(opts: BackoffOptions = {}) {
    this.#base = opts.baseMs ?? 250;
    this.#cap = opts.capMs ?? 30_000;
    this.#min = opts.minMs ?? 100;
    this.#random = opts.random ?? Math.random;
  }

  /** Failures since the last reset. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The delay before the next try. */
  next(): number {
    const ceiling = Math.min(this.#cap, this.#base * 2 ** Math.min(this.#attempt, 30));
    this.#attempt++;
    return Math.max(this.#min, Math.floor(this.#random() * ceiling));
  }

  /** Start over (after a session that worked). */
  reset(): void {
    this.#attempt = 0;
  }
}
