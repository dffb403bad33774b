import assert from "node:assert/strict";
import { compileMatch, compilePattern } from "./match.ts";
import type { ReactorEvent } from "../reactor.d.ts";

function ev(over: Partial<ReactorEvent> = {}, attrs: Record<string, string> = {}): ReactorEvent {
  return {
    hostId: "default",
    type: "container",
    action: "start",
    rawAction: "start",
    actor: { id: "abc123", attributes: { name: "web-1", image: "busybox", ...attrs } },
    scope: "local",
    time: 1,
    timeNano: "1000000000",
    synthetic: false,
    raw: "",
    ...over,
  };
}

function m(spec: unknown) {
  const c = compileMatch(spec);
  if (!c.matcher) throw new Error(JSON.stringify(c.problems));
  return c.matcher;
}

Deno.test("compilePattern() matches exact strings, globs, /regex/ and any-of lists", () => {
  const t = (p: unknown, v: string | undefined) => {
    const c = compilePattern(p);
    if (!("matcher" in c)) throw new Error(c.message);
    return c.matcher(v);
  };
  assert.equal(t("web", "web"), true);
  assert.equal(t("web", "web-1"), false);
  assert.equal(t("web-*", "web-1"), true);
  assert.equal(t("web-?", "web-12"), false);
  assert.equal(t("a.b", "axb"), false, "a dot in a glob is literal");
  assert.equal(t("/^web-\\d+$/", "web-12"), true);
  assert.equal(t("/WEB/i", "my-web"), true);
  assert.equal(t(/db/, "db-1"), true);
  assert.equal(t(["db", "web-*"], "web-9"), true);
  assert.equal(t(["db", "web-*"], "cache"), false);
  assert.equal(t("*", undefined), false, "a missing value never matches");
});

Deno.test("compileMatch() without a selector is a catch-all", () => {
  const all = m(undefined);
  assert.equal(all.summary, "*");
  assert.equal(all(ev({ type: "network", action: "connect" })), true);
});

Deno.test("compileMatch() requires every field and reads actor name, attributes and labels", () => {
  const sel = m({
    type: "container",
    action: ["start", "restart"],
    actor: { name: "web-*", attributes: { image: "busybox" } },
    labels: { "com.example.role": "/^front/" },
  });
  assert.equal(sel(ev({}, { "com.example.role": "frontend" })), true);
  assert.equal(sel(ev({}, { "com.example.role": "backend" })), false);
  assert.equal(
    sel(ev({ action: "die", rawAction: "die" }, { "com.example.role": "front" })),
    false,
  );
  assert.equal(sel(ev({ type: "network" }, { "com.example.role": "front" })), false);
});

Deno.test("compileMatch() matches the full action text too (health_status: healthy)", () => {
  const healthy = m({ action: "health_status: healthy" });
  const e = ev({
    action: "health_status",
    rawAction: "health_status: healthy",
    healthStatus: "healthy",
  });
  assert.equal(healthy(e), true);
  assert.equal(m({ action: "health_status" })(e), true);
  assert.equal(
    m({ action: "exec_*" })(ev({ action: "exec_create", rawAction: "exec_create: sh -c x" })),
    true,
  );
});
