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

Deno.test("compilePattern() glob shortcuts and long lists match like the general forms", () => {
  const t = (p: unknown, v: string | undefined) => {
    const c = compilePattern(p);
    if (!("matcher" in c)) throw new Error(c.message);
    return c.matcher(v);
  };
  for (
    const [glob, yes, no] of [
      ["web-*", "web-", "xweb-1"],
      ["*.local", "db.local", "db.local.x"],
      ["*db*", "my-db-1", "d-b"],
      ["**", "", undefined],
      ["*", "anything", undefined],
      ["a*b", "a-x-b", "a-x-bc"],
      ["*a?", "xab", "xa"],
    ] as const
  ) {
    assert.equal(t(glob, yes), true, `${glob} ~ ${yes}`);
    assert.equal(t(glob, no), false, `${glob} !~ ${no}`);
  }
  const many = ["a", "b", "c", "d", "e", "web-*"];
  assert.equal(t(many, "e"), true);
  assert.equal(t(many, "web-9"), true);
  assert.equal(t(many, "f"), false);
  assert.equal(t(many, undefined), false);
});

Deno.test("compileMatch() checks cheap fields first and keeps the raw action", () => {
  const matcher = m({ actor: { name: "/^web-\\d$/" }, action: "exec_start: sh" });
  assert.equal(matcher(ev({ action: "exec_start", rawAction: "exec_start: sh" })), true);
  assert.equal(matcher(ev({ action: "exec_start", rawAction: "exec_start: ls" })), false);
  assert.equal(matcher.summary, "actor.name=/^web-\\d$/ action=exec_start: sh");
});
