import assert from "node:assert/strict";
import { validateMetrics } from "./settings.ts";

Deno.test("validateMetrics() fills defaults", () => {
  assert.deepEqual(validateMetrics({ listen: "127.0.0.1:9323" }), {
    settings: { listen: "127.0.0.1:9323", maxNames: 500, allowNonLoopback: false },
  });
});

Deno.test("validateMetrics() refuses a public address unless allowNonLoopback is true", () => {
  const r = validateMetrics({ listen: "0.0.0.0:9323" });
  assert.ok("problems" in r);
  assert.deepEqual(r.problems[0]!.path, ["listen"]);
  assert.match(r.problems[0]!.message, /not a loopback address/);
  assert.deepEqual(validateMetrics({ listen: "0.0.0.0:9323", allowNonLoopback: true }), {
    settings: { listen: "0.0.0.0:9323", maxNames: 500, allowNonLoopback: true },
  });
});

Deno.test("validateMetrics() reports each bad field with its path", () => {
  const r = validateMetrics({ listen: 9323, maxNames: -1, allowNonLoopback: "yes", lisen: "x" });
  assert.ok("problems" in r);
  assert.deepEqual(r.problems.map((p) => p.path.join(".")).sort(), [
    "allowNonLoopback",
    "lisen",
    "listen",
    "maxNames",
  ]);
  assert.match(r.problems.find((p) => p.path[0] === "lisen")!.message, /did you mean "listen"/);
  assert.ok("problems" in validateMetrics("127.0.0.1:9323"));
});
