/**
 * The exposition is valid for Prometheus's own linter, including awkward label values, and the
 * HTTP server survives garbage on its socket.
 */
import assert from "node:assert/strict";
import type { ReactorEvent } from "../../lib/reactor.d.ts";
import { ReactorMetrics } from "../../lib/metrics/reactor_metrics.ts";
import { metricsHandler, serveMetrics } from "../../lib/metrics/server.ts";
import { promtoolCheck } from "../harness/prometheus.ts";

function event(name: string, action: string): ReactorEvent {
  return {
    hostId: "h",
    type: "container",
    action,
    rawAction: action,
    actor: { id: "x", attributes: { name } },
    scope: "local",
    time: 1,
    timeNano: "1000000000",
    synthetic: false,
    raw: "",
  };
}

function busyMetrics(): ReactorMetrics {
  const m = new ReactorMetrics({
    version: 'v"1\\2',
    queueDepth: () => 2,
    hosts: () => [{ id: "host\nwith newline", state: "up", enabled: true }],
    maxNames: 3,
    webhookQueueDepth: () => 0,
  });
  for (const name of ['we"ird', "back\\slash", "new\nline", "ünï", "over", "flow"]) {
    m.observe({ kind: "event", at: 0, hostId: "h", event: event(name, "start"), duplicate: false });
    m.observe({
      kind: "event",
      at: 0,
      hostId: "h",
      event: event(name, "exec_start"),
      duplicate: false,
    });
  }
  m.observe({ kind: "event", at: 0, hostId: "h", event: event("a", "start"), duplicate: true });
  m.observe({
    kind: "hook",
    at: 0,
    hostId: "h",
    hook: "rule",
    rule: 'my "rule"',
    outcome: "failed",
    durationMs: 1234,
  });
  m.observe({ kind: "reconnect", at: 0, hostId: "h", attempt: 1, delayMs: 1, error: "x" });
  m.observe({ kind: "resync", at: 0, hostId: "h", running: 1, synthesized: 1 });
  m.observe({ kind: "cursor", at: 0, hostId: "h", timeNano: "1000000000" });
  m.observeWebhook({ rule: "r", outcome: "failed", attempts: 4 });
  return m;
}

Deno.test("promtool check metrics accepts every family, with awkward label values", async () => {
  const text = busyMetrics().render();
  assert.match(text, /name="new\\nline"/);
  assert.match(text, /name="_other"/);
  assert.equal(await promtoolCheck(text), "");
});

Deno.test("promtoolCheck() does fail on a broken exposition (the check can fail)", async () => {
  const problems = await promtoolCheck('# TYPE x_total counter\nx_total{a="unterminated} 1\n');
  assert.notEqual(problems, "");
});

Deno.test("serveMetrics() keeps serving after garbage and a half-sent request", async () => {
  const ac = new AbortController();
  const srv = await serveMetrics("127.0.0.1:0", metricsHandler(busyMetrics()), ac.signal);
  try {
    for (
      const junk of ["\x00\x01garbage\r\n\r\n", "GET /metrics HTTP/1.1\r\nHost: x\r\nContent-"]
    ) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: srv.address.port });
      await conn.write(new TextEncoder().encode(junk));
      conn.close();
    }
    const res = await fetch(`http://127.0.0.1:${srv.address.port}/metrics`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /reactor_build_info/);
  } finally {
    ac.abort();
    await srv.finished;
  }
});
