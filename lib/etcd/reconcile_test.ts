import assert from "node:assert/strict";
import { hostScope, type KeyTemplate, parseKeyTemplate } from "./key.ts";
import { planHost } from "./reconcile.ts";
import type { KeyValue } from "./wire.ts";

const t = parseKeyTemplate("{prefix}/{hostId}/{name}") as KeyTemplate;
const host = { hostId: "h1", engine: "node-1" };
const scope = hostScope(t, "/r", host);
const rec = (hostId: string, engine: string) => JSON.stringify({ id: "x", hostId, engine });
const kv = (key: string, value: string, lease = "0"): KeyValue => ({
  key,
  value,
  lease,
  modRevision: "1",
});

Deno.test("planHost() writes missing and changed keys, deletes ours that nothing backs", () => {
  const plan = planHost({
    scope,
    lease: "7",
    host,
    wanted: new Map([["/r/h1/web", "W"], ["/r/h1/db", "D"], ["/r/h1/api", rec("h1", "node-1")]]),
    existing: [
      kv("/r/h1/web", "W", "7"), // up to date
      kv("/r/h1/db", "old", "7"), // changed
      kv("/r/h1/api", rec("h1", "node-1"), "5"), // right value, old lease (an earlier run)
      kv("/r/h1/gone", "G", "7"), // ours, no container
      kv("/r/h1/ghost", rec("h1", "node-1"), "5"), // an earlier run's record
    ],
  });
  assert.deepEqual(plan.puts, [{ key: "/r/h1/db", value: "D" }, {
    key: "/r/h1/api",
    value: rec("h1", "node-1"),
  }]);
  assert.deepEqual(plan.deletes.sort(), ["/r/h1/ghost", "/r/h1/gone"]);
  assert.deepEqual(plan.foreign, []);
});

Deno.test("planHost() leaves other writers' keys alone and reports them", () => {
  const plan = planHost({
    scope,
    lease: "7",
    host,
    wanted: new Map([["/r/h1/web", "W"]]),
    existing: [
      kv("/r/h1/alien", rec("h1", "node-2"), "9"), // another reactor using host id h1
      kv("/r/h1/web", rec("h1", "node-2"), "9"), // same key as ours: overwritten, reported
      kv("/r/h1/readme", "hello"), // not a record
      kv("/r/h1/sub/deep", rec("h1", "node-1")), // deeper than the template: not ours
      kv("/r/h2/x", rec("h1", "node-1")), // outside the scope
    ],
  });
  assert.deepEqual(plan.puts, [{ key: "/r/h1/web", value: "W" }]);
  assert.deepEqual(plan.deletes, []);
  assert.deepEqual(
    plan.foreign.map((f) => [f.kv.key, f.owner?.engine, f.overwritten]),
    [["/r/h1/alien", "node-2", false], ["/r/h1/readme", undefined, false], [
      "/r/h1/web",
      "node-2",
      true,
    ]],
  );
});
