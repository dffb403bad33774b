import assert from "node:assert/strict";
import { UsageError } from "../errors.ts";
import type { MetricsHost, Verdict } from "./reactor_metrics.ts";
import { hostHealth, isLoopback, metricsHandler, parseListen, serveMetrics } from "./server.ts";

function source(hosts: MetricsHost[], ready: Verdict = { ok: true }, render = () => "up 1\n") {
  return { render, hosts: () => hosts, readiness: () => ready };
}

const get = (path: string, method = "GET") => new Request(`http://127.0.0.1${path}`, { method });

Deno.test("metricsHandler() serves /metrics with the 0.0.4 content type", async () => {
  const res = await metricsHandler(source([]))(get("/metrics?x=1"));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  assert.equal(await res.text(), "up 1\n");
});

Deno.test("metricsHandler() /healthz is 200 while every enabled host is up", async () => {
  const res = await metricsHandler(source([
    { id: "a", state: "up", enabled: true },
    { id: "off", state: "stopped", enabled: false },
  ]))(get("/healthz"));
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: "ok", hosts: { a: "up" } });
});

Deno.test("metricsHandler() /healthz is 503 with a one-line JSON reason when a host is down", async () => {
  const res = await metricsHandler(source([
    { id: "a", state: "up", enabled: true },
    { id: "b", state: "down", enabled: true, error: "connection refused\n(os error 111)" },
  ]))(get("/healthz"));
  assert.equal(res.status, 503);
  const text = await res.text();
  assert.equal(text.trimEnd().split("\n").length, 1, text);
  assert.deepEqual(JSON.parse(text), {
    status: "unavailable",
    reason: 'host "b" is down: connection refused (os error 111)',
    hosts: { a: "up", b: "down" },
  });
});

Deno.test("metricsHandler() /readyz follows readiness()", async () => {
  const h = metricsHandler(source([], { ok: false, reason: "waiting" }));
  const res = await h(get("/readyz"));
  assert.equal(res.status, 503);
  assert.deepEqual(await res.json(), { status: "unavailable", reason: "waiting" });
  assert.equal((await metricsHandler(source([]))(get("/readyz"))).status, 200);
});

Deno.test("metricsHandler() answers 404, 405 and HEAD without crashing", async () => {
  const h = metricsHandler(source([]));
  const nf = await h(get("/nope"));
  assert.equal(nf.status, 404);
  await nf.body?.cancel();
  const post = await h(get("/metrics", "POST"));
  assert.equal(post.status, 405);
  assert.equal(post.headers.get("allow"), "GET, HEAD");
  await post.body?.cancel();
  const head = await h(get("/metrics", "HEAD"));
  assert.equal(head.status, 200);
  assert.equal(head.body, null);
});

Deno.test("metricsHandler() answers 500 with one line when the source throws", async () => {
  const h = metricsHandler(source([], { ok: true }, () => {
    throw new Error("boom\nsecond line");
  }));
  const res = await h(get("/metrics"));
  assert.equal(res.status, 500);
  assert.equal(await res.text(), "Cannot answer the request: boom\n");
});

Deno.test("hostHealth() lists every enabled host that is not up", () => {
  assert.deepEqual(hostHealth([]), { ok: true });
  assert.deepEqual(
    hostHealth([
      { id: "a", state: "connecting", enabled: true },
      { id: "b", state: "down", enabled: true },
    ]),
    { ok: false, reason: 'host "a" is connecting; host "b" is down' },
  );
});

Deno.test("parseListen() takes host:port and refuses non-loopback without the opt-in", () => {
  assert.deepEqual(parseListen("127.0.0.1:9323"), { hostname: "127.0.0.1", port: 9323 });
  assert.deepEqual(parseListen("[::1]:0"), { hostname: "::1", port: 0 });
  assert.deepEqual(parseListen("localhost:80"), { hostname: "localhost", port: 80 });
  assert.throws(() => parseListen("0.0.0.0:9323"), /not a loopback address.*allowNonLoopback/);
  assert.throws(() => parseListen("10.0.0.1:9323"), UsageError);
  assert.deepEqual(parseListen("0.0.0.0:9323", { allowNonLoopback: true }), {
    hostname: "0.0.0.0",
    port: 9323,
  });
  for (const bad of ["9323", "127.0.0.1", "127.0.0.1:70000", "a b:1", "http://x:1", ":9323"]) {
    assert.throws(() => parseListen(bad), /Invalid metrics listen address/, bad);
  }
  assert.ok(isLoopback("127.1.2.3"));
  assert.ok(!isLoopback("128.0.0.1"));
});

Deno.test("serveMetrics() serves on a free loopback port and stops on abort", async () => {
  const ac = new AbortController();
  const srv = await serveMetrics("127.0.0.1:0", metricsHandler(source([])), ac.signal);
  try {
    assert.ok(srv.address.port > 0);
    const res = await fetch(`http://127.0.0.1:${srv.address.port}/metrics`);
    assert.equal(await res.text(), "up 1\n");
  } finally {
    ac.abort();
    await srv.finished;
  }
});

Deno.test("serveMetrics() reports a port in use as one line", async () => {
  const ac = new AbortController();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    await assert.rejects(
      () => serveMetrics(`127.0.0.1:${listener.addr.port}`, metricsHandler(source([])), ac.signal),
      /Cannot serve metrics on 127\.0\.0\.1:\d+: .*in use/i,
    );
  } finally {
    listener.close();
    ac.abort();
  }
});
