import assert from "node:assert/strict";
import { Observer } from "../engine/observer.ts";
import { FailureWindow } from "./failures.ts";

Deno.test("FailureWindow counts failed and timed-out hooks of the last hour, per host and hook", () => {
  const w = new FailureWindow();
  const obs = new Observer();
  const detach = w.attach(obs);
  const hook = (
    hostId: string,
    hook: string,
    rule: string,
    outcome: "ok" | "failed" | "timeout",
    at: number,
  ) => obs.emit({ kind: "hook", at, hostId, hook, rule, outcome, durationMs: 1 });
  const now = 10_000_000;
  hook("default", "labels", "", "failed", now - 10);
  hook("default", "labels", "", "failed", now - 20);
  hook("default", "rule", "notify", "timeout", now - 30);
  hook("default", "scripts", "", "ok", now - 40);
  hook("default", "labels", "", "failed", now - 3_700_000); // older than an hour
  hook("edge", "scripts", "", "failed", now - 50);
  hook("", "haproxy", "", "failed", now - 60);
  assert.deepEqual(w.recent("default", now), { labels: 2, "rule:notify": 1 });
  assert.deepEqual(w.recent("edge", now), { scripts: 1 });
  assert.deepEqual(w.recent("", now), { haproxy: 1 });
  assert.deepEqual(w.recent("nope", now), {});
  assert.deepEqual(w.recent("default", now + 3_600_000), {}, "all expired an hour later");
  detach();
  hook("edge", "scripts", "", "failed", now);
  assert.deepEqual(w.recent("edge", now), { scripts: 1 }, "detached");
});
