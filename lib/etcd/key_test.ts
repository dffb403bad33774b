import assert from "node:assert/strict";
import {
  DEFAULT_KEY_TEMPLATE,
  escapeKeyValue,
  hostScope,
  KeyError,
  type KeyTemplate,
  parseKeyTemplate,
  renderKey,
} from "./key.ts";

function tpl(source: string): KeyTemplate {
  const t = parseKeyTemplate(source);
  if ("error" in t) throw new Error(t.error);
  return t;
}

const V = { hostId: "local", engine: "node-1", name: "web", id: "0123456789abcdef0123" };

Deno.test("renderKey() builds <prefix>/<hostId>/<name> by default", () => {
  assert.equal(
    renderKey(tpl(DEFAULT_KEY_TEMPLATE), "/reactor/containers", V),
    "/reactor/containers/local/web",
  );
});

Deno.test("renderKey() fills every placeholder", () => {
  const t = tpl("{prefix}/hosts/{engine}-{hostId}/c-{shortId}.{name}@{id}");
  assert.equal(
    renderKey(t, "/p", V),
    "/p/hosts/node-1-local/c-0123456789ab.web@0123456789abcdef0123",
  );
});

Deno.test("escapeKeyValue() keeps values inside one segment and is one-to-one", () => {
  assert.equal(escapeKeyValue("web_1.a-b", "x"), "web_1.a-b");
  assert.equal(escapeKeyValue("a/b", "x"), "a%2Fb");
  assert.equal(escapeKeyValue("a%2Fb", "x"), "a%252Fb");
  assert.equal(escapeKeyValue("..", "x"), "%2E%2E");
  assert.equal(escapeKeyValue(".", "x"), "%2E");
  assert.equal(escapeKeyValue("a..b", "x"), "a..b");
  assert.equal(escapeKeyValue("é", "x"), "%C3%A9");
  assert.throws(() => escapeKeyValue("", "container name"), KeyError);
});

Deno.test("renderKey() never leaves the host directory, whatever the names", () => {
  const t = tpl(DEFAULT_KEY_TEMPLATE);
  for (const name of ["../../etc", "..", "a/../../b", "/x", "x/"]) {
    const key = renderKey(t, "/r", { ...V, name });
    assert.ok(key.startsWith("/r/local/"), key);
    const rest = key.slice("/r/local/".length);
    assert.ok(!rest.includes("/") && rest !== ".." && rest !== ".", key);
  }
  const evilHost = renderKey(t, "/r", { ...V, hostId: "../other" });
  assert.equal(evilHost, "/r/..%2Fother/web");
  assert.throws(() => renderKey(t, "/r", { ...V, name: "" }), /container name is empty/);
});

Deno.test("hostScope() gives the host directory and a pattern matching only its container keys", () => {
  const t = tpl("{prefix}/{hostId}/svc-{name}.{engine}");
  const s = hostScope(t, "/r", { hostId: "h1", engine: "n.1" });
  assert.equal(s.dir, "/r/h1/");
  assert.ok(s.leaf.test("svc-web.n.1"));
  assert.ok(!s.leaf.test("svc-web.n.2"));
  assert.ok(!s.leaf.test("other"));
  assert.ok(!s.leaf.test("svc-a/b.n.1"));
  const key = renderKey(t, "/r", { hostId: "h1", engine: "n.1", name: "web", id: "x" });
  assert.ok(key.startsWith(s.dir) && s.leaf.test(key.slice(s.dir.length)));
});

Deno.test("parseKeyTemplate() refuses templates that could leave the prefix or mix hosts", () => {
  const cases: [string, RegExp][] = [
    ["{hostId}/{name}", /does not start with "\{prefix\}\/".*— start it with \{prefix\}\//],
    ["/etc/{hostId}/{name}", /does not start with "\{prefix\}\/"/],
    ["{prefix}/../{hostId}/{name}", /"\.\." path segment/],
    ["{prefix}/{hostId}/./{name}", /"\." path segment/],
    ["{prefix}//{hostId}/{name}", /empty path segment/],
    ["{prefix}/{hostId}/{name}/", /empty path segment/],
    ["{prefix}/{hostId}/{nme}", /unknown placeholder \{nme\} — use \{hostId\}/],
    ["{prefix}/{hostId}/{name", /unmatched/],
    ["{prefix}/{hostId}/{prefix}{name}", /\{prefix\} after the start/],
    ["{prefix}/{hostId}", /does not name the container/],
    ["{prefix}/{name}/{hostId}-x", /does not name the container in its last segment/],
    ["{prefix}/{name}/{hostId}/{id}", /names the container before the last segment/],
    ["{prefix}/{hostId}-{name}", /no directory segment with \{hostId\}/],
    ["{prefix}/{engine}/{name}", /no directory segment with \{hostId\}/],
    ["{prefix}/{hostId}/a b{name}", /characters other than/],
  ];
  for (const [source, re] of cases) {
    const r = parseKeyTemplate(source);
    assert.ok("error" in r, `${source} should be refused`);
    assert.match(r.error, re, source);
    assert.match(r.error, / — /, source);
  }
});
