/**
 * What an event alone says about a container's state (no inspect): whether it is stopping, and
 * what the inventory learns from it.
 *
 * @module
 */
import type { ReactorEvent } from "../reactor.d.ts";
import type { Inventory } from "./inventory.ts";

/** Container actions after which the container is not running. */
const STOPPING = new Set(["die", "stop", "oom"]);
/** Signals `docker kill -s` sends to reload or pause a process, not to stop it. */
const KEEPS_RUNNING = new Set([
  "HUP",
  "USR1",
  "USR2",
  "CONT",
  "STOP",
  "TSTP",
  "1",
  "10",
  "12",
  "18",
  "19",
  "20",
]);

/**
 * The event says the container is stopping: `die`, `stop`, `oom`, or a `kill` with a signal that
 * ends a process (`docker stop` sends its stop signal as a `kill` first, then `die` once the
 * process exited: level-triggered hooks drain the container from then on). A `kill -s HUP` (a
 * reload) does not count (pure).
 */
export function stopsContainer(ev: ReactorEvent): boolean {
  if (ev.type !== "container") return false;
  if (ev.action !== "kill") return STOPPING.has(ev.action);
  const sig = (ev.actor.attributes["signal"] ?? "").toUpperCase().replace(/^SIG/, "");
  return !KEEPS_RUNNING.has(sig);
}

/** What the event alone tells the inventory (no inspect needed). */
export function fromEvent(inv: Inventory, hostId: string, ev: ReactorEvent, cid: string): void {
  if (ev.type !== "container") return;
  if (stopsContainer(ev)) inv.stopped(hostId, cid);
  else if (ev.action === "health_status" && ev.healthStatus) {
    inv.health(hostId, cid, ev.healthStatus);
  } else if (ev.action === "rename") inv.renamed(hostId, cid, ev.actor.attributes["name"] ?? "");
}

/** Container actions the engine follows even when no hook wants them. */
const TRACKED = new Set(["start", "destroy", "die", "stop", "kill", "health_status", "rename"]);

/** Events the engine follows even when no hook wants them (handled starts, the inventory). */
export function tracksState(ev: ReactorEvent): boolean {
  return ev.type === "container" && TRACKED.has(ev.action) ||
    ev.type === "network" && (ev.action === "connect" || ev.action === "disconnect");
}
