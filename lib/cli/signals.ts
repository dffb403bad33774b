/**
 * SIGTERM/SIGINT → one AbortController for the whole process. A second signal forces an exit
 * path by aborting the `force` controller (the drain then stops waiting).
 *
 * @module
 */

/** Controllers aborted by the first and second termination signal. */
export interface ShutdownSignals {
  stop: AbortController;
  force: AbortController;
  /** Remove the listeners. */
  dispose(): void;
  /** Also call `fn` on SIGHUP (config reload). */
  onHup(fn: () => void): void;
}

/** Install SIGTERM/SIGINT (and optional SIGHUP) listeners. */
export function installShutdownSignals(): ShutdownSignals {
  const stop = new AbortController();
  const force = new AbortController();
  const handler = () => {
    if (stop.signal.aborted) force.abort();
    else stop.abort();
  };
  const hups: Array<() => void> = [];
  const hup = () => hups.forEach((f) => f());
  const sigs: Deno.Signal[] = ["SIGTERM", "SIGINT"];
  for (const s of sigs) Deno.addSignalListener(s, handler);
  let hupInstalled = false;
  return {
    stop,
    force,
    onHup(fn) {
      hups.push(fn);
      if (!hupInstalled) {
        Deno.addSignalListener("SIGHUP", hup);
        hupInstalled = true;
      }
    },
    dispose() {
      for (const s of sigs) Deno.removeSignalListener(s, handler);
      if (hupInstalled) Deno.removeSignalListener("SIGHUP", hup);
    },
  };
}
