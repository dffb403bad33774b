/**
 * A container's state for one event: what the event alone tells the inventory, and, when
 * something needs it, the inspect that gives hooks the container as it was at the event (with
 * `running: false`, `pid: 0` when it moved on since). A broken connection defers the event.
 *
 * @module
 */
import { rfc3339ToNano } from "../docker/normalize.ts";
import { DockerApiError, DockerProtocolError, errorMessage } from "../errors.ts";
import type { Log } from "../log.ts";
import type { ContainerInfo, ReactorEvent } from "../reactor.d.ts";
import type { HostRuntime } from "./host_state.ts";
import type { Inventory } from "./inventory.ts";
import type { Observer } from "./observer.ts";
import { fromEvent, stopsContainer } from "./event_state.ts";

/** What {@link ContainerStates} needs. */
export interface ContainerStateOptions {
  inventory: Inventory;
  observer: Observer;
  log: Log;
  /** Aborted when shutdown begins. */
  shutdown: AbortSignal;
  /** Per-request limit for the inspect (default 30 s). */
  inspectTimeoutMs?: number;
  /** `reactor once`: a broken inspect is a failure, not a deferral. */
  once?: boolean;
}

/** The container's state for an event, or "deferred" (its connection broke). */
export type StateFor = { container: ContainerInfo | undefined; movedOn: boolean } | "deferred";

/** Inventory bookkeeping and inspects for the dispatcher. */
export class ContainerStates {
  readonly #o: ContainerStateOptions;

  constructor(opts: ContainerStateOptions) {
    this.#o = opts;
  }

  /** What the event alone tells (no inspect): stops, health, renames, removals. */
  fromEvent(h: HostRuntime, ev: ReactorEvent, cid: string): void {
    fromEvent(this.#o.inventory, h.id, ev, cid);
    if (ev.type === "container" && ev.action === "destroy") {
      if (h.handledStart.delete(cid)) h.dirty = true;
      this.#o.inventory.remove(h.id, cid);
    }
  }

  /**
   * The container's state for this event: inspected now, but with `running: false`, `pid: 0`
   * when it moved on since (restarted after the event, or removed). "deferred" when the
   * connection broke (the event waits for the next session).
   */
  async of(h: HostRuntime, ev: ReactorEvent, cid: string, epoch: number): Promise<StateFor> {
    const inv = this.#o.inventory;
    const known = inv.get(h.id, cid);
    this.fromEvent(h, ev, cid);
    if (ev.type === "container" && ev.action === "destroy") {
      return { container: known && { ...known, running: false, pid: 0 }, movedOn: false };
    }
    let info: ContainerInfo;
    // not tied to the session: events queued when reactor stops are still drained; a broken
    // connection fails the request itself, a half-open one runs into the timeout. (A cleared
    // timer, not AbortSignal.timeout: thousands of inspects a second would each leave a live
    // 30 s timer behind.)
    const ac = new AbortController();
    const shutdown = this.#o.shutdown;
    const onShutdown = () => ac.abort(shutdown.reason);
    if (shutdown.aborted) onShutdown();
    else shutdown.addEventListener("abort", onShutdown, { once: true });
    const ms = this.#o.inspectTimeoutMs ?? 30_000;
    const timer = setTimeout(
      () => ac.abort(new DOMException(`Inspect timed out after ${ms} ms`, "TimeoutError")),
      ms,
    );
    try {
      info = await h.ctx!.docker.inspect(cid, ac.signal);
    } catch (err) {
      if (err instanceof DockerApiError && err.isGone) {
        // removed since: its last known state, not running, and it moved on
        return { container: known && pastState(known, ev), movedOn: !!known };
      }
      if (err instanceof DockerApiError || err instanceof DockerProtocolError) {
        this.#o.log.warn(`Cannot inspect container ${cid.slice(0, 12)}: ${errorMessage(err)}`, {
          host: h.id,
        });
        return { container: known, movedOn: false };
      }
      if (this.#o.once) throw err;
      // the connection broke: do not run hooks half-blind; wait for the next session
      h.brokenEpoch = Math.max(h.brokenEpoch, epoch);
      h.session?.abort(err);
      this.#o.log.warn(
        `Cannot inspect container ${cid.slice(0, 12)} (${
          errorMessage(err)
        }); its ${ev.action} will be handled after reconnecting`,
        { host: h.id },
      );
      this.#o.observer.emit({
        kind: "deferred",
        at: Date.now(),
        hostId: h.id,
        event: ev,
        reason: errorMessage(err),
      });
      return "deferred";
    } finally {
      clearTimeout(timer);
      shutdown.removeEventListener("abort", onShutdown);
    }
    const started = rfc3339ToNano(info.startedAt);
    const movedOn = !ev.synthetic && started !== undefined && started > BigInt(ev.timeNano);
    if (movedOn) {
      // restarted after this event: keep the inventory current, hand the handler the past
      if (info.running) inv.upsert(info, "start");
      return { container: pastState(info, ev), movedOn: true };
    }
    // a container being stopped still runs during its grace period: the view keeps it stopped
    const leaving = info.running && stopsContainer(ev);
    if ((info.running || known) && !leaving) {
      inv.upsert(info, ev.action === "start" ? "start" : "update");
    }
    return { container: info, movedOn: false };
  }
}

/**
 * A container's state as far as it belongs to an event it has moved on from: not running, no
 * pid, and no start time unless the known incarnation is the event's own (a later one's
 * `StartedAt` would be misleading).
 */
function pastState(c: ContainerInfo, ev: ReactorEvent): ContainerInfo {
  const started = rfc3339ToNano(c.startedAt);
  const own = ev.synthetic || (started !== undefined && started <= BigInt(ev.timeNano));
  return { ...c, running: false, pid: 0, status: "exited", startedAt: own ? c.startedAt : "" };
}
