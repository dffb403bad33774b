import assert from "node:assert/strict";
import type { ReactorEvent } from "../reactor.d.ts";
import { stopsContainer } from "./event_state.ts";

function ev(action: string, attributes: Record<string, string> = {}, type = "container") {
  return {
    hostId: "default",
    type,
    action,
    rawAction: action,
    actor: { id: "c1", attributes },
    scope: "local",
    time: 0,
    timeNano: "0",
    synthetic: false,
    raw: "",
  } satisfies ReactorEvent;
}

Deno.test("stopsContainer() is true for die/stop/oom and a kill that ends the process", () => {
  for (const a of ["die", "stop", "oom"]) assert.equal(stopsContainer(ev(a)), true, a);
  // docker stop: its stop signal (TERM by default; SIGQUIT, SIGWINCH for some images) as a kill
  for (const s of ["15", "9", "2", "3", "28", "SIGTERM", "KILL", ""]) {
    assert.equal(stopsContainer(ev("kill", { signal: s })), true, s);
  }
});

Deno.test("stopsContainer() is false for a reload kill, other actions and other types", () => {
  for (const s of ["1", "10", "12", "SIGHUP", "HUP", "usr2", "19", "18"]) {
    assert.equal(stopsContainer(ev("kill", { signal: s })), false, s);
  }
  for (const a of ["start", "destroy", "health_status", "pause", "restart"]) {
    assert.equal(stopsContainer(ev(a)), false, a);
  }
  assert.equal(stopsContainer(ev("die", {}, "network")), false);
});
