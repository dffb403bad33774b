/**
 * One host's level-triggered loop: connect, subscribe to `/events` from the saved cursor,
 * queue again what a broken session left, resync (list every container, synthesize missed
 * starts), watch the connection with a `/_ping` watchdog, and on any failure retry the whole
 * session with capped, jittered backoff. Each host has its own loop, so one unreachable host
 * never delays the others.
 *
 * @module
 */
import type { DockerClient } from "../docker/client.ts";
import { nanoToSince } from "../docker/normalize.ts";
import { errorMessage } from "../errors.ts";
import type { Log } from "../log.ts";
import { Backoff, type BackoffOptions } from "../util/backoff.ts";
import { sleep } from "../util/sleep.ts";
import { humanDuration } from "../log.ts";
import type { Dispatcher } from "./dispatch.ts";
import type { HostRuntime } from "./host_state.ts";
import type { Inventory } from "./inventory.ts";
import type { HostState, Observer } from "./observer.ts";

/** Options of {@link runHostSession}. */
export interface SessionOptions {
  dispatcher: Dispatcher;
  inventory: Inventory;
  observer: Observer;
  log: Log;
  backoff?: BackoffOptions;
  /** Ping watchdog interval (a failed ping restarts the session). */
  watchdogMs: number;
  /** Resync on connect. */
  resync: boolean;
  /** Restore and persist the cursor. */
  persist: boolean;
  /** A session that lasted this long resets the backoff (default 30 s). */
  healthyMs?: number;
  /** Least time between two "Host unavailable" warnings with the same reason (default 15 s). */
  retryWarnMs?: number;
  /** Start from this exact timeNano when there is no cursor yet (`reactor events --since`). */
  since?: string;
  /** Stop once the engine closed the stream past this exact timeNano (`events --until`). */
  until?: string;
  /** Engine-side event filters (`events --filter`), as the Engine API takes them. */
  filters?: Record<string, string[]>;
}

/** Default least time between two identical "Host unavailable" warnings. */
export const RETRY_WARN_MS = 15_000;

/** Rate limit of the retry warnings: due when the reason changed or enough time passed. */
export class RetryLog {
  #last = "";
  #at = -Infinity;
  readonly #everyMs: number;
  readonly #now: () => number;

  constructor(everyMs: number, now: () => number = () => performance.now()) {
    this.#everyMs = everyMs;
    this.#now = now;
  }

  /** True when a warning for `reason` should be logged now (and records it). */
  due(reason: string): boolean {
    const now = this.#now();
    if (reason === this.#last && now - this.#at < this.#everyMs) return false;
    this.#last = reason;
    this.#at = now;
    return true;
  }

  /** The host is up again: the next failure warns at once. */
  reset(): void {
    this.#last = "";
    this.#at = -Infinity;
  }
}

/** Current time as an exact nanosecond string. */
export function nowNano(): string {
  return (BigInt(Date.now()) * 1_000_000n).toString();
}

/** Connect to the engine and fill the host's handler context. */
export async function setupHost(
  h: HostRuntime,
  client: DockerClient,
  signal: AbortSignal,
  log: Log,
): Promise<void> {
  const ping = await client.negotiate(signal);
  let name = h.id, rootless = false, engineVersion = "";
  try {
    const info = await client.info(signal);
    name = info.name || name;
    rootless = info.rootless;
    engineVersion = info.serverVersion;
  } catch (err) {
    log.warn(`Cannot read /info: ${errorMessage(err)}`, { host: h.id });
  }
  h.ctx?.docker.close();
  h.ctx = { id: h.id, name, docker: client, rootless, local: h.connector.local };
  Object.assign(h.status, {
    apiVersion: client.apiVersion ?? ping.apiVersion,
    engineVersion,
    engineName: name,
  });
}

function setState(h: HostRuntime, o: SessionOptions, state: HostState, error?: string): void {
  h.status.state = state;
  if (o.observer.active) {
    o.observer.emit({
      kind: "host",
      at: Date.now(),
      hostId: h.id,
      state,
      error,
      apiVersion: h.status.apiVersion,
      engineVersion: h.status.engineVersion,
    });
  }
}

/** Follow one host until `signal` aborts. */
export async function runHostSession(
  h: HostRuntime,
  o: SessionOptions,
  signal: AbortSignal,
): Promise<void> {
  const log = o.log.child({ host: h.id });
  if (o.persist) {
    const warning = await h.restore();
    if (warning) log.warn(warning);
  }
  o.inventory.addHost(h.id);
  if (o.since !== undefined && h.tracker.cursor === undefined) h.tracker.observe(o.since);
  const backoff = new Backoff(o.backoff);
  const retryLog = new RetryLog(o.retryWarnMs ?? RETRY_WARN_MS);
  while (!signal.aborted) {
    const session = new AbortController();
    h.session = session;
    const sessionSignal = AbortSignal.any([signal, session.signal]);
    let connectedAt = 0;
    let watchdog: ReturnType<typeof setInterval> | undefined;
    setState(h, o, "connecting");
    try {
      const client = await h.connector.connect(sessionSignal);
      await setupHost(h, client, sessionSignal, o.log);
      // First contact ever: start from now (minus a margin; dedup absorbs overlap) so that the
      // cursor exists and a restart resumes from here even if no event arrives meanwhile.
      if (h.tracker.cursor === undefined) {
        h.tracker.observe((BigInt(nowNano()) - 1_000_000_000n).toString());
        h.dirty = true;
      }
      const cursor = h.tracker.cursor;
      const events = await client.events({
        since: cursor ? nanoToSince(cursor) : undefined,
        until: o.until ? nanoToSince(o.until) : undefined,
        filters: o.filters,
        signal: sessionSignal,
        onInvalid: (err) => log.warn(errorMessage(err)),
      });
      h.epoch++;
      connectedAt = Date.now();
      Object.assign(h.status, { connectedAt, lastError: undefined });
      setState(h, o, "up");
      log.info(`Connected to ${h.connector.describe}`, {
        api: client.apiVersion,
        engine: h.status.engineVersion,
        since: cursor,
      });
      retryLog.reset();
      // what the last session could not handle runs first, in its order
      o.dispatcher.requeueDeferred(h);
      watchdog = setInterval(() => {
        client.ping(AbortSignal.timeout(10_000)).catch((err) => {
          log.warn(`Ping failed, reconnecting: ${errorMessage(err)}`);
          session.abort(new Error("watchdog"));
        });
      }, o.watchdogMs);
      // Read the stream first (never let the daemon drop events), resync concurrently.
      const reading = (async () => {
        for await (const ev of events) o.dispatcher.ingest(h, ev);
      })();
      if (o.resync) void resync(h, client, o, sessionSignal, session, log);
      // An aborted fetch does not always end its body stream: never wait on it past the abort
      // (and never let its late failure go unhandled).
      reading.catch(() => {});
      await Promise.race([reading, aborted(sessionSignal)]);
      if (o.until !== undefined && BigInt(nowNano()) >= BigInt(o.until) && !signal.aborted) {
        break; // the engine closed the stream at --until: this host is done
      }
      if (!signal.aborted) log.warn("Event stream ended; reconnecting");
    } catch (err) {
      if (signal.aborted) break;
      const msg = errorMessage(err);
      h.status.lastError = msg;
      if (connectedAt) log.warn(`Event stream broke: ${msg}; reconnecting`);
    } finally {
      clearInterval(watchdog);
      session.abort();
    }
    if (signal.aborted) break;
    o.inventory.unsynced(h.id);
    setState(h, o, "down", h.status.lastError);
    if (connectedAt && Date.now() - connectedAt > (o.healthyMs ?? 30_000)) backoff.reset();
    const delay = backoff.next();
    o.observer.emit({
      kind: "reconnect",
      at: Date.now(),
      hostId: h.id,
      attempt: backoff.attempt,
      delayMs: delay,
      error: h.status.lastError ?? "",
    });
    if (connectedAt) log.debug(`Reconnecting in ${humanDuration(delay)}`);
    else {
      // while the engine is down: a warning per retry, at most one per RETRY_WARN_MS unless the
      // reason changes (the rest at debug)
      const line = `Host unavailable: ${h.status.lastError}; retrying in ${humanDuration(delay)}`;
      const fields = { attempt: backoff.attempt };
      if (retryLog.due(h.status.lastError ?? "")) log.warn(line, fields);
      else log.debug(line, fields);
    }
    await sleep(delay, signal);
  }
  setState(h, o, "stopped");
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

async function resync(
  h: HostRuntime,
  client: DockerClient,
  o: SessionOptions,
  signal: AbortSignal,
  session: AbortController,
  log: Log,
): Promise<void> {
  try {
    const list = await client.listContainers({ all: true, signal });
    const running = list.filter((c) => c.state === "running").length;
    log.debug(`Resync: ${running} running container(s)`);
    const synthesized = await o.dispatcher.resync(h, list, nowNano(), signal);
    o.observer.emit({ kind: "resync", at: Date.now(), hostId: h.id, running, synthesized });
  } catch (err) {
    if (!signal.aborted) {
      log.warn(`Resync failed, reconnecting: ${errorMessage(err)}`);
      session.abort(err);
    }
  }
}
