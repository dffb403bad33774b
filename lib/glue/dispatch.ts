/**
 * Which Glue handlers run for an event, and Glue's `none` follow-up (as in Glue's `agent.py`):
 *
 * - a container action runs the enabled handlers that list it, plus those with `events=all`;
 * - `all` never matches the `none` pseudo-event; `none` runs the handlers that list `none`;
 * - after a container action, if any handler that ran (successful or not) has `triggers-none`,
 *   `none` runs once;
 * - at startup, and in `reactor once`, `none` runs once (`dispatchGlue(handlers, noneEvent())`).
 *
 * Handlers run one after another in load order (Glue was serial). Unlike Glue, a handler that
 * lists an action and also `all` runs once, and a failing handler does not stop the others.
 * Calls of {@link dispatchGlue} should not overlap (run them on one queue) to keep Glue's
 * one-event-at-a-time model that scripts such as an HAProxy rebuild rely on.
 *
 * @module
 */
import type { ReactorEvent } from "../reactor.d.ts";
import { ALL, type GlueHandlerSpec, NONE } from "./handlers.ts";

/** The `type` of the `none` pseudo-event. */
export const GLUE_EVENT_TYPE = "glue";

/**
 * The enabled handlers subscribed to `action`, in load order (pure).
 *
 * @example
 * ```ts ignore
 * handlersFor(handlers, "start"); // those listing start, plus those with events=all
 * handlersFor(handlers, "none"); // only those listing none
 * ```
 */
export function handlersFor(
  handlers: readonly GlueHandlerSpec[],
  action: string,
): GlueHandlerSpec[] {
  return handlers.filter((h) => {
    if (!h.enabled) return false;
    if (action === NONE) return h.none;
    return h.events === ALL || h.events.has(action);
  });
}

/** True when one of the handlers that ran for a container action has `triggers-none` (pure). */
export function needsNone(ran: readonly GlueHandlerSpec[]): boolean {
  return ran.some((h) => h.triggersNone);
}

/**
 * The Glue action of an engine event: its action for container events, undefined for anything
 * else (Glue handlers see container events only) (pure).
 */
export function glueAction(ev: ReactorEvent): string | undefined {
  if (ev.type !== "container" || ev.action === NONE || ev.action === ALL) return undefined;
  return ev.action;
}

/**
 * The `none` pseudo-event (container id `""`) as a {@link ReactorEvent}, so scripts get the same
 * environment and stdin shape as for container events.
 */
export function noneEvent(hostId = "", nowMs: number = Date.now()): ReactorEvent {
  const nano = (BigInt(Math.floor(nowMs)) * 1_000_000n).toString();
  return {
    hostId,
    type: GLUE_EVENT_TYPE,
    action: NONE,
    rawAction: NONE,
    actor: { id: "", attributes: {} },
    scope: "local",
    time: Math.floor(nowMs / 1000),
    timeNano: nano,
    synthetic: true,
    raw: "",
  };
}

/** Runs one handler for one event (a script, the HAProxy hook, …). */
export type GlueRunner = (handler: GlueHandlerSpec, event: ReactorEvent) => Promise<void>;

/** What {@link dispatchGlue} did. */
export interface GlueDispatchResult {
  /** Handlers run for the event itself, in order. */
  ran: GlueHandlerSpec[];
  /** Handlers run for the `none` follow-up (empty when none was due). */
  ranNone: GlueHandlerSpec[];
  /** Handlers that threw, with the error. */
  failed: { handler: GlueHandlerSpec; error: unknown }[];
}

/**
 * Run the handlers for `event` (a container event, or {@link noneEvent}) one by one, then the
 * `none` follow-up when due (unless `noneFollowUp: false`: the caller runs `none` itself, e.g.
 * once after a resync rather than after each start it synthesized). Non-container events run
 * nothing.
 *
 * @example
 * ```ts ignore
 * await dispatchGlue(handlers, noneEvent(), run); // startup / reactor once
 * await dispatchGlue(handlers, ev, run); // each container event
 * ```
 */
export async function dispatchGlue(
  handlers: readonly GlueHandlerSpec[],
  event: ReactorEvent,
  run: GlueRunner,
  opts: { noneFollowUp?: boolean } = {},
): Promise<GlueDispatchResult> {
  const result: GlueDispatchResult = { ran: [], ranNone: [], failed: [] };
  const isNone = event.type === GLUE_EVENT_TYPE && event.action === NONE;
  const action = isNone ? NONE : glueAction(event);
  if (action === undefined) return result;
  const round = async (ev: ReactorEvent, list: GlueHandlerSpec[], into: GlueHandlerSpec[]) => {
    for (const h of list) {
      into.push(h);
      try {
        await run(h, ev);
      } catch (error) {
        result.failed.push({ handler: h, error });
      }
    }
  };
  await round(event, handlersFor(handlers, action), result.ran);
  if (!isNone && opts.noneFollowUp !== false && needsNone(result.ran)) {
    await round(noneEvent(event.hostId), handlersFor(handlers, NONE), result.ranNone);
  }
  return result;
}
