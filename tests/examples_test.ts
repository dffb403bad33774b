import assert from "node:assert/strict";
import { parse } from "yaml";
import { parseLabelValue } from "../lib/net/label_parse.ts";
import { parseRouteSpec } from "../lib/net/idempotent.ts";
import { exec } from "../lib/exec/run.ts";

const root = new URL("../examples/", import.meta.url).pathname;

/** Compose's `${VAR:-default}` interpolation, with the defaults (what `docker compose` does). */
function interpolate(text: string): string {
  return text.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, (_m, d: string) => d);
}

Deno.test("examples/docker-compose.yaml carries all three labels with valid parts", async () => {
  const text = await Deno.readTextFile(`${root}docker-compose.yaml`);
  const doc = parse(interpolate(text));
  assert.equal(doc.name, undefined, "no top-level name: (docker-compose 1.29 refuses it)");
  assert.equal(doc.version, undefined, "Compose-spec file, no version:");
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
  assert.equal(labels["docker-events.host-route"], "add 10.99.0.0/24 via 172.30.0.10");
  assert.equal(doc.services.web.container_name, "web");
  assert.equal(doc.networks.front.ipam.config[0].subnet, "172.30.0.0/24");
});

Deno.test("examples/scripts/start.web is an executable, valid sh script with no hard-coded address", async () => {
  const path = `${root}scripts/start.web`;
  const st = await Deno.stat(path);
  assert.ok((st.mode! & 0o111) !== 0, "executable");
  await exec(["sh", "-n", path]);
  const code = (await Deno.readTextFile(path)).split("\n").filter((l) => !/^\s*#/.test(l));
  const literal = code.find((l) => /\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/.test(l));
  assert.equal(literal, undefined, "the gateway is read from the container, never hard-coded");
});
