import assert from "node:assert/strict";
import { GLUE_CLASSES, lookupGlueClass } from "./classes.ts";

const KNOWN = Object.keys(GLUE_CLASSES);

Deno.test("lookupGlueClass() maps Glue's script and HAProxy classes to reactor hooks", () => {
  const s = lookupGlueClass("DockerGlue.handlers.exec.ScriptHandler");
  assert.equal(s.ok && s.kind, "script");
  const h = lookupGlueClass("DockerGlue.handlers.lb.HAProxyHandler");
  assert.equal(h.ok && h.kind, "haproxy");
});

Deno.test("lookupGlueClass() says the etcd publisher is not available yet, until the table flips", () => {
  const name = "DockerGlue.handlers.publishers.distconfig.Publisher";
  const r = lookupGlueClass(name);
  assert.equal(r.ok, false);
  assert.ok(!r.ok && r.unavailable && r.kind === "etcd");
  assert.match(!r.ok ? r.problem : "", /is not available yet/);
  const flipped = { ...GLUE_CLASSES, [name]: { ...GLUE_CLASSES[name]!, available: true } };
  const f = lookupGlueClass(name, flipped);
  assert.equal(f.ok && f.kind, "etcd");
});

Deno.test("lookupGlueClass() names the class and the three known ones for unknown and Python classes", () => {
  const u = lookupGlueClass("DockerGlue.handlers.lb.NginxHandler");
  const p = lookupGlueClass("mycompany.glue.DemoHandler");
  assert.ok(!u.ok && !p.ok);
  if (u.ok || p.ok) return;
  assert.match(u.problem, /^unknown Docker Glue class DockerGlue\.handlers\.lb\.NginxHandler$/);
  assert.match(p.problem, /mycompany\.glue\.DemoHandler is a Python plugin.*cannot run Python/);
  for (const r of [u, p]) {
    for (const k of KNOWN) assert.ok(r.fix.includes(k), `${r.fix} lacks ${k}`);
    assert.match(r.fix, /reactor\.config\.ts/);
  }
  assert.equal(lookupGlueClass("toString").ok, false);
});
