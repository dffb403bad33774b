import assert from "node:assert/strict";
import { labelsHook } from "./labels.ts";
import { HostRoutesStore } from "../lib/net/host_routes_store.ts";
import type { ReactorEvent } from "../lib/reactor.d.ts";

function ev(action: string, attributes: Record<string, string>, type = "container"): ReactorEvent {
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
  };
}

Deno.test("labelsHook().wants() only labelled starts and stop-like actions", () => {
  const h = labelsHook({ store: new HostRoutesStore("/nonexistent"), labelPrefix: "net." });
  assert.equal(h.wants(ev("start", { name: "a", "net.route": "add 10.0.0.0/8 dev eth0" })), true);
  assert.equal(h.wants(ev("start", { name: "a", "net.host-route": "x" })), true);
  assert.equal(h.wants(ev("start", { name: "a", "docker-events.route": "x" })), false);
  assert.equal(h.wants(ev("start", { name: "a" })), false);
  for (const a of ["die", "stop", "destroy"]) assert.equal(h.wants(ev(a, { name: "a" })), true);
  for (const a of ["create", "exec_start", "health_status"]) {
    assert.equal(h.wants(ev(a, { name: "a" })), false);
  }
  assert.equal(h.wants(ev("start", { "net.route": "x" }, "network")), false);
});
