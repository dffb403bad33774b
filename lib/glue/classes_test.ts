import assert from "node:assert/strict";
import { GLUE_CLASSES, lookupGlueClass } from "./classes.ts";

const KNOWN = Object.keys(GLUE_CLASSES);

Deno.test("lookupGlueClass() maps Glue's script and HAProxy classes to reactor hooks", () => {
  const s = lookupGlueClass("DockerGlue.handlers.exec.ScriptHandler");
  assert.equal(s.ok && s.kind, "script");
  const h = lookupGlueClass("DockerGlue.handlers.lb.HAProxyHandler");
  assert.equal(h.ok && h.kind, "haproxy");
});

Deno.test("lookupGlueClass() maps the etcd publisher; a class whose hook is missing is not available yet", () => {
  const name = "DockerGlue.handlers.publishers.distconfig.Publisher";
  const f = lookupGlueClass(name);
  assert.equal(f.ok && f.kind, "etcd");
  const without = { ...GLUE_CLASSES, [name]: { ...GLUE_CLASSES[name]!, available: false } };
  const r = lookupGlueClass(name, without);
  assert.equal(r.ok, false);
  assert.ok(!r.ok && r.unavailable && r.kind === "etcd");
  assert.match(!r.ok ? r.problem : "", /is not available yet/);
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
