/**
 * The one `sleep` of reactor: resolves after `ms`, or early (without throwing) when `signal`
 * aborts. Callers that must stop on abort check `signal.aborted` afterwards.
 *
 * @module
 */

/** Sleep `ms`, resolving early (without throwing) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
