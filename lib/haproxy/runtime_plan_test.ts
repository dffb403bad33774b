import assert from "node:assert/strict";
import { parseConfig } from "./config_text.ts";
import type { ServerState } from "./runtime_api.ts";
import { describeOp, planChange } from "./runtime_plan.ts";

function cfg(servers: string): string {
  return `frontend fe\n    bind *:80\n    default_backend be\n\nbackend be\n    balance roundrobin\n${servers}`;
}

function live(...rows: [string, string, number, number, boolean][]): ServerState[] {
  return rows.map(([server, address, port, weight, maint]) => ({
    backend: "be",
    server,
    address,
    port,
    weight,
    opState: 2,
    adminState: maint ? 1 : 0,
    maint,
  }));
}

const A = "    server a 10.0.0.2:80 weight 100 check\n";
const B = "    server b 10.0.0.3:80 weight 100 check\n";

Deno.test("planChange() adds and deletes servers through the runtime, adds first", () => {
  const plan = planChange(
    parseConfig(cfg(A)),
    parseConfig(cfg(B)),
    live(["a", "10.0.0.2", 80, 100, false]),
  );
  assert.equal(plan.kind, "runtime");
  assert.deepEqual(plan.kind === "runtime" && plan.ops.map(describeOp), ["add be/b", "del be/a"]);
  assert.deepEqual(plan.kind === "runtime" && plan.ops[0], {
    op: "add",
    backend: "be",
    server: "b",
    args: "10.0.0.3:80 weight 100 check",
    enable: true,
    checked: true,
  });
});

Deno.test("planChange() re-weights, re-addresses, enables and disables in place", () => {
  const desired = cfg(
    "    server a 10.0.0.2:80 weight 50 check\n    server b 10.0.0.9:81 weight 100 check disabled\n" +
      "    server c 10.0.0.4:80 weight 100 check\n",
  );
  const plan = planChange(
    parseConfig(cfg(A + B + "    server c 10.0.0.4:80 weight 100 check disabled\n")),
    parseConfig(desired),
    live(
      ["a", "10.0.0.2", 80, 100, false],
      ["b", "10.0.0.3", 80, 100, false],
      ["c", "10.0.0.4", 80, 100, true],
    ),
  );
  assert.deepEqual(plan.kind === "runtime" && plan.ops.map(describeOp), [
    "weight be/a 50",
    "addr be/b 10.0.0.9:81",
    "disable be/b",
    "enable be/c",
  ]);
});

Deno.test("planChange() diffs against what HAProxy runs, repairing a half-applied change", () => {
  // the installed file has a and b, but HAProxy only got a (an earlier add failed)
  const plan = planChange(
    parseConfig(cfg(A + B)),
    parseConfig(cfg(A + B)),
    live(["a", "10.0.0.2", 80, 100, false]),
  );
  assert.deepEqual(plan.kind === "runtime" && plan.ops.map(describeOp), ["add be/b"]);
});

Deno.test("planChange() reloads when the structure or a server's options change", () => {
  const l = live(["a", "10.0.0.2", 80, 100, false]);
  assert.deepEqual(planChange(undefined, parseConfig(cfg(A)), l), {
    kind: "reload",
    reason: "no config is known to be installed",
  });
  assert.match(
    (planChange(parseConfig(cfg(A)), parseConfig(cfg(A).replace("*:80", "*:81")), l) as {
      reason: string;
    }).reason,
    /frontends, ACLs or backends changed/,
  );
  assert.match(
    (planChange(parseConfig(cfg(A)), parseConfig(cfg(A.replace("check", "check inter 1s"))), l) as {
      reason: string;
    }).reason,
    /options of server be\/a changed/,
  );
  assert.match(
    (planChange(parseConfig(cfg(A)), parseConfig(cfg(A)), undefined) as { reason: string }).reason,
    /Runtime API could not be read/,
  );
  assert.match(
    (planChange(parseConfig(cfg(A)), parseConfig(cfg(A)), []) as { reason: string }).reason,
    /HAProxy has no backend "be"/,
  );
});

Deno.test("planChange() finds nothing to do when HAProxy runs the config", () => {
  const plan = planChange(
    parseConfig(cfg(A)),
    parseConfig(cfg(A)),
    live(["a", "10.0.0.2", 80, 100, false]),
  );
  assert.deepEqual(plan, { kind: "runtime", ops: [] });
});
