import assert from "node:assert/strict";
import {
  formatHostRoutePolicy,
  hostRoutesAllowed,
  parseHostRoutePolicy,
} from "./host_route_policy.ts";
import { UsageError } from "../errors.ts";

Deno.test("parseHostRoutePolicy() accepts allow, deny and label:<key>=<value>", () => {
  assert.deepEqual(parseHostRoutePolicy("allow"), { kind: "allow" });
  assert.deepEqual(parseHostRoutePolicy("deny"), { kind: "deny" });
  assert.deepEqual(parseHostRoutePolicy("label:net.trusted=yes"), {
    kind: "label",
    key: "net.trusted",
    value: "yes",
  });
  assert.equal(formatHostRoutePolicy(parseHostRoutePolicy("label:a=b=c")), "label:a=b=c");
});

Deno.test("parseHostRoutePolicy() rejects anything else with a UsageError naming the forms", () => {
  for (const bad of ["", "yes", "label:", "label:=x", "label:key"]) {
    assert.throws(() => parseHostRoutePolicy(bad), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, /allow, deny or label:<key>=<value>/);
      return true;
    });
  }
});

Deno.test("hostRoutesAllowed() applies the policy to container labels", () => {
  assert.equal(hostRoutesAllowed({ kind: "allow" }, {}), true);
  assert.equal(hostRoutesAllowed({ kind: "deny" }, { a: "b" }), false);
  const p = parseHostRoutePolicy("label:trusted=yes");
  assert.equal(hostRoutesAllowed(p, { trusted: "yes" }), true);
  assert.equal(hostRoutesAllowed(p, { trusted: "no" }), false);
  assert.equal(hostRoutesAllowed(p, {}), false);
});
