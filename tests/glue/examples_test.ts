/**
 * `examples/glue/` loads without problems and its script handler runs as written (the lead's
 * `--glue-dir` wiring only adds the engine around what is driven here).
 */
import assert from "node:assert/strict";
import { syntheticStart } from "../../lib/docker/normalize.ts";
import type { ContainerSummary } from "../../lib/reactor.d.ts";
import { exec } from "../../lib/exec/run.ts";
import { dispatchGlue, noneEvent } from "../../lib/glue/dispatch.ts";
import { loadGlueDirs } from "../../lib/glue/handlers.ts";
import { runGlueScript } from "../../lib/glue/script_handler.ts";
import { memLog } from "./helpers.ts";

const EXAMPLE = new URL("../../examples/glue/", import.meta.url).pathname;

Deno.test("examples/glue: notify.ini and lb.ini load, and notify.sh runs for start and none", async () => {
  // a root-owned private copy, so the ownership checks (as root) see what an install would
  const root = await Deno.makeTempDir({ prefix: "rx-glue-example-" });
  try {
    await exec(["cp", "-a", `${EXAMPLE}.`, root]);
    await exec(["chmod", "-R", "go-w", root]);
    const r = await loadGlueDirs([`${root}/docker-glue.d`]);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.warnings, []);
    const byName = Object.fromEntries(r.handlers.map((h) => [h.name, h]));
    assert.equal(byName["lb"]?.kind, "haproxy");
    assert.equal(byName["notify"]?.kind, "script");
    assert.equal(byName["notify"]?.script, `${root}/handler-scripts/notify.sh`);
    assert.equal(byName["notify"]?.params["prefix"], "glue example");

    const scripts = r.handlers.filter((h) => h.kind === "script");
    const log = memLog();
    const summary: ContainerSummary = {
      hostId: "default",
      id: "4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b",
      name: "web",
      image: "busybox",
      labels: {},
      state: "running",
      status: "Up",
      created: 0,
    };
    const run = (h: (typeof scripts)[number], ev: Parameters<typeof runGlueScript>[1]["event"]) =>
      runGlueScript(h, { event: ev, exec, log });
    await dispatchGlue(scripts, noneEvent("default"), run);
    await dispatchGlue(scripts, syntheticStart(summary, "1700000000000000000"), run);
    const said = log.records.filter((x) => x.fields["stream"] === "stdout").map((x) => x.message);
    assert.deepEqual(said, [
      "glue example: none (startup or after a triggers-none handler)",
      "glue example: container web (4f3c2b1a0e9d) start ip=none",
    ]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
