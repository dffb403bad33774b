import assert from "node:assert/strict";
import { parse } from "yaml";
import { parseLabelValue } from "../lib/net/label_parse.ts";
import { parseRouteSpec } from "../lib/net/idempotent.ts";
import { exec } from "../lib/exec/run.ts";

const root = new URL("../examples/", import.meta.url).pathname;

Deno.test("examples/docker-compose.yaml carries all three labels with valid parts", async () => {
  const doc = parse(await Deno.readTextFile(`${root}docker-compose.yaml`));
  const labels = doc.services.web.labels as Record<string, string>;
  for (const key of ["address", "route", "host-route"]) {
    const parts = parseLabelValue(labels[`docker-events.${key}`] ?? "");
    assert.ok(parts.length > 0, key);
    for (const p of parts) {
      assert.equal(p.error, undefined, `${key}: ${p.text}`);
      assert.ok(["add", "replace"].includes(p.argv![0]!), p.text);
    }
  }
  const routes = parseLabelValue(labels["docker-events.route"]!);
  assert.deepEqual(routes.map((p) => parseRouteSpec(p.argv!.slice(1)).dst), [
    "10.20.0.0/16",
    "10.30.0.0/16",
  ]);
  assert.equal(doc.services.web.container_name, "web");
});

Deno.test("examples/scripts/start.web is an executable, valid sh script named after the container", async () => {
  const st = await Deno.stat(`${root}scripts/start.web`);
  assert.ok((st.mode! & 0o111) !== 0, "executable");
  await exec(["sh", "-n", `${root}scripts/start.web`]);
});
