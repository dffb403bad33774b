/**
 * A `min..max` debouncer, as docker-gen's `-wait`: after a trigger, run once things stayed quiet
 * for `minMs`, but never later than `maxMs` after the first trigger of a burst. Runs never
 * overlap: a trigger during a run schedules one more run after it.
 *
 * @module
 */

/** Options for {@link Debouncer}. */
export interface DebounceOptions {
  /** Quiet time before running. */
  minMs: number;
  /** Longest delay after the first trigger of a burst (default `minMs`). */
  maxMs?: number;
  /** Called when `fn` throws (the debouncer itself never rejects). */
  onError?: (err: unknown) => void;
}

/** Coalesces bursts of triggers into few calls of `fn`. */
export class Debouncer {
  readonly #fn: () => Promise<void> | void;
  readonly #min: number;
  readonly #max: number;
  readonly #onError: (err: unknown) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #firstAt = 0;
  #running: Promise<void> | undefined;
  #again = false;
  #closed = false;
  #idle: Array<() => void> = [];
  /** Completed runs. */
  runs = 0;

  constructor(fn: () => Promise<void> | void, opts: DebounceOptions) {
    if (!(opts.minMs >= 0)) throw new RangeError(`Debounce min must be >= 0, got ${opts.minMs}`);
    this.#fn = fn;
    this.#min = opts.minMs;
    this.#max = Math.max(opts.minMs, opts.maxMs ?? opts.minMs);
    this.#onError = opts.onError ?? (() => {});
  }

  /** Note a change; `fn` runs after the quiet time (or at the burst's deadline). */
  trigger(): void {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    const now = performance.now();
    if (this.#timer === undefined) this.#firstAt = now;
    clearTimeout(this.#timer);
    const deadline = this.#firstAt + this.#max;
    const wait = Math.max(0, Math.min(this.#min, deadline - now));
    this.#timer = setTimeout(() => this.#run(), wait);
  }

  /** Run now (cancelling a pending timer); waits for a run in progress first. */
  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#running) {
      this.#again = true;
      await this.idle();
      return;
    }
    await this.#run();
  }

  /** Resolves when no run is pending or in progress. */
  idle(): Promise<void> {
    if (!this.#running && this.#timer === undefined) return Promise.resolve();
    return new Promise((r) => this.#idle.push(r));
  }

  /** Cancel a pending run; a run in progress finishes. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#running) this.#settle();
  }

  async #run(): Promise<void> {
    this.#timer = undefined;
    const run = (async () => {
      try {
        await this.#fn();
      } catch (err) {
        try {
          this.#onError(err);
        } catch { /* reporting must not break the debouncer */ }
      } finally {
        this.runs++;
      }
    })();
    this.#running = run;
    try {
      await run;
    } finally {
      this.#running = undefined;
      if (this.#again && !this.#closed) {
        this.#again = false;
        this.trigger();
      } else this.#settle();
    }
  }

  #settle(): void {
    if (this.#timer !== undefined || this.#running) return;
    const w = this.#idle;
    this.#idle = [];
    for (const r of w) r();
  }
}
