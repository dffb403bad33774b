import assert from "node:assert/strict";
import type { ReactorEvent } from "../reactor.d.ts";
import {
  dispatchGlue,
  GLUE_EVENT_TYPE,
  glueAction,
  handlersFor,
  needsNone,
  noneEvent,
} from "./dispatch.ts";
import type { GlueHandlerSpec } from "./handlers.ts";

function spec(
  name: string,
  events: string[] | "all",
  more: Partial<GlueHandlerSpec> = {},
): GlueHandlerSpec {
  const list = events === "all" ? [] : events;
  return {
    file: `/g/${name}.ini`,
    line: 2,
    name,
    class: "DockerGlue.handlers.exec.ScriptHandler",
    kind: "script",
    events: events === "all" ? "all" : new Set(list.filter((e) => e !== "none")),
    none: list.includes("none"),
    enabled: true,
    triggersNone: false,
    params: {},
    paramLines: {},
    script: `/s/${name}.sh`,
    state: "enabled",
    ...more,
  };
}

function ev(action: string, type = "container"): ReactorEvent {
  return {
    hostId: "h1",
    type,
    action,
    rawAction: action,
    actor: { id: "c0ffee", attributes: { name: "web" } },
    scope: "local",
    time: 1,
    timeNano: "1000000000",
    synthetic: false,
    raw: "",
  };
}

const names = (l: readonly GlueHandlerSpec[]) => l.map((h) => h.name);

Deno.test("handlersFor(): all matches every action but not none; none only its subscribers", () => {
  const hs = [
    spec("all", "all"),
    spec("start", ["start"]),
    spec("lb", ["die", "start", "none"]),
    spec("none", ["none"]),
    spec("allnone", ["all", "none"], { events: "all", none: true }),
    spec("off", "all", { enabled: false }),
  ];
  assert.deepEqual(names(handlersFor(hs, "start")), ["all", "start", "lb", "allnone"]);
  assert.deepEqual(names(handlersFor(hs, "die")), ["all", "lb", "allnone"]);
  assert.deepEqual(names(handlersFor(hs, "create")), ["all", "allnone"]);
  assert.deepEqual(names(handlersFor(hs, "none")), ["lb", "none", "allnone"]);
});

Deno.test("needsNone() is true when any handler that ran has triggers-none", () => {
  assert.equal(needsNone([]), false);
  assert.equal(needsNone([spec("a", "all"), spec("b", ["start"])]), false);
  assert.equal(needsNone([spec("a", "all"), spec("b", ["start"], { triggersNone: true })]), true);
});

Deno.test("glueAction() passes container actions only", () => {
  assert.equal(glueAction(ev("start")), "start");
  assert.equal(glueAction(ev("connect", "network")), undefined);
  assert.equal(glueAction(ev("none")), undefined);
  assert.equal(glueAction(ev("all")), undefined);
});

Deno.test("noneEvent() is a container-less pseudo-event with an exact timeNano", () => {
  const n = noneEvent("h1", 1_700_000_000_123);
  assert.equal(n.type, GLUE_EVENT_TYPE);
  assert.equal(n.action, "none");
  assert.equal(n.actor.id, "");
  assert.equal(n.timeNano, "1700000000123000000");
  assert.equal(n.time, 1_700_000_000);
  assert.equal(n.hostId, "h1");
});

Deno.test("dispatchGlue() runs subscribers in order, then none once when a triggers-none handler ran", async () => {
  const calls: string[] = [];
  const hs = [
    spec("ovs", ["create", "destroy"], { triggersNone: true }),
    spec("test", "all"),
    spec("lb", ["die", "start", "none"]),
    spec("tn-off", ["start"], { triggersNone: true, enabled: false }),
  ];
  const run = (h: GlueHandlerSpec, e: ReactorEvent) => {
    calls.push(`${h.name}:${e.action}:${e.actor.id}`);
    return Promise.resolve();
  };
  // start: no handler that ran triggers none (tn-off is disabled and does not count)
  let r = await dispatchGlue(hs, ev("start"), run);
  assert.deepEqual(calls.splice(0), ["test:start:c0ffee", "lb:start:c0ffee"]);
  assert.deepEqual(r.ranNone, []);
  // create: ovs triggers none → lb runs for none with container id ""
  r = await dispatchGlue(hs, ev("create"), run);
  assert.deepEqual(calls.splice(0), ["ovs:create:c0ffee", "test:create:c0ffee", "lb:none:"]);
  assert.deepEqual(names(r.ranNone), ["lb"]);
  // the caller runs none itself (after a resync): no follow-up
  r = await dispatchGlue(hs, ev("create"), run, { noneFollowUp: false });
  assert.deepEqual(calls.splice(0), ["ovs:create:c0ffee", "test:create:c0ffee"]);
  assert.deepEqual(r.ranNone, []);
  // startup / reactor once: none once, and it never recurses
  r = await dispatchGlue(hs, noneEvent("h1"), run);
  assert.deepEqual(calls.splice(0), ["lb:none:"]);
  assert.deepEqual(names(r.ran), ["lb"]);
  // non-container events run nothing
  r = await dispatchGlue(hs, ev("connect", "network"), run);
  assert.deepEqual(calls, []);
});

Deno.test("dispatchGlue() keeps going after a failure, and a failed triggers-none handler still triggers none", async () => {
  const calls: string[] = [];
  const hs = [
    spec("bad", ["start"], { triggersNone: true }),
    spec("next", ["start"]),
    spec("n", ["none"]),
  ];
  const r = await dispatchGlue(hs, ev("start"), (h, e) => {
    calls.push(`${h.name}:${e.action}`);
    return h.name === "bad" ? Promise.reject(new Error("boom")) : Promise.resolve();
  });
  assert.deepEqual(calls, ["bad:start", "next:start", "n:none"]);
  assert.equal(r.failed.length, 1);
  assert.equal(r.failed[0]?.handler.name, "bad");
  assert.match(String(r.failed[0]?.error), /boom/);
});
