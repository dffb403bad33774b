/**
 * Retry with capped exponential backoff and full jitter (the one retry loop of reactor).
 *
 * @module
 */
import { Backoff, type BackoffOptions } from "./backoff.ts";
import { sleep } from "./sleep.ts";

/** Options for {@link retry}. */
export interface RetryOptions extends BackoffOptions {
  /** Extra attempts after the first (default 3). */
  retries?: number;
  /** Stops retrying (the last error is thrown) and interrupts the wait. */
  signal?: AbortSignal;
  /** Return false to give up at once on this error (default: retry every error). */
  shouldRetry?: (err: unknown, attempt: number) => boolean;
  /** Called before each wait (for logging): attempt number (1-based) and the delay. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Call `fn` until it resolves, at most `retries + 1` times.
 *
 * @example
 * ```ts ignore
 * const res = await retry(() => fetch(url), { retries: 5, baseMs: 200, capMs: 5000 });
 * ```
 */
export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  opts: RetryOptions = {},
): Promise<T> {
  const backoff = new Backoff(opts);
  const retries = opts.retries ?? 3;
  for (let attempt = 0;; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= retries || opts.signal?.aborted) throw err;
      if (opts.shouldRetry && !opts.shouldRetry(err, attempt)) throw err;
      const delay = backoff.next();
      opts.onRetry?.(err, attempt + 1, delay);
      await sleep(delay, opts.signal);
      if (opts.signal?.aborted) throw err;
    }
  }
}
