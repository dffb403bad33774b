import assert from "node:assert/strict";
import type { Observation } from "../engine/observer.ts";
import type { ReactorEvent } from "../reactor.d.ts";
import { type MetricsHost, ReactorMetrics } from "./reactor_metrics.ts";

function ev(action: string, name: string, extra: Partial<ReactorEvent> = {}): ReactorEvent {
  return {
    hostId: "h1",
    type: "container",
    action,
    rawAction: action,
    actor: { id: "c1", attributes: { name } },
    scope: "local",
    time: 1700000000,
    timeNano: "1700000000500000000",
    synthetic: false,
    raw: "",
    ...extra,
  };
}

function obsEvent(e: ReactorEvent, duplicate = false, hostId = "h1"): Observation {
  return { kind: "event", at: 0, hostId, event: e, duplicate };
}

/** The value of one sample line, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

function make(hosts: MetricsHost[] = [], extra = {}) {
  return new ReactorMetrics({
    version: "9.9.9",
    queueDepth: () => 7,
    hosts: () => hosts,
    now: () => 1700000010_500,
    ...extra,
  });
}

Deno.test("ReactorMetrics counts events by host/type/action and duplicates apart", () => {
  const m = make();
  m.observe(obsEvent(ev("start", "web")));
  m.observe(obsEvent(ev("start", "web")));
  m.observe(obsEvent(ev("start", "web"), true));
  m.observe(obsEvent(ev("create", "net1", { type: "network" })));
  m.observe(obsEvent(ev("start", "web", { synthetic: true })));
  const t = m.render();
  assert.equal(sample(t, 'reactor_events_total{host="h1",type="container",action="start"}'), 3);
  assert.equal(sample(t, 'reactor_events_total{host="h1",type="network",action="create"}'), 1);
  assert.equal(sample(t, 'reactor_events_duplicate_total{host="h1"}'), 1);
  assert.equal(sample(t, 'reactor_events_synthetic_total{host="h1"}'), 1);
  assert.equal(sample(t, 'reactor_last_event_timestamp_seconds{host="h1"}'), 1700000000.5);
  assert.equal(sample(t, 'reactor_build_info{version="9.9.9"}'), 1);
  assert.equal(sample(t, "reactor_queue_depth"), 7);
});

Deno.test("ReactorMetrics derives container starts and execs (exec_start only) from events", () => {
  const m = make();
  m.observe(obsEvent(ev("start", "web")));
  for (let i = 0; i < 3; i++) {
    m.observe(obsEvent(ev("exec_create", "web", { rawAction: "exec_create: true" })));
    m.observe(obsEvent(ev("exec_start", "web", { rawAction: "exec_start: true" })));
    m.observe(obsEvent(ev("exec_die", "web")));
  }
  m.observe(obsEvent(ev("start", "web"), true)); // a replay is not a new start
  const t = m.render();
  assert.equal(sample(t, 'reactor_container_starts_total{host="h1",name="web"}'), 1);
  assert.equal(sample(t, 'reactor_container_exec_total{host="h1",name="web"}'), 3);
});

Deno.test("ReactorMetrics folds container names past maxNames into _other and counts them", () => {
  const m = make([], { maxNames: 2 });
  for (const name of ["a", "b", "c", "d", "a"]) m.observe(obsEvent(ev("start", name)));
  m.observe(obsEvent(ev("start", "a"), false, "h2")); // same name on another host: a new pair
  const t = m.render();
  assert.equal(sample(t, 'reactor_container_starts_total{host="h1",name="a"}'), 2);
  assert.equal(sample(t, 'reactor_container_starts_total{host="h1",name="b"}'), 1);
  assert.equal(sample(t, 'reactor_container_starts_total{host="h1",name="_other"}'), 2);
  assert.equal(sample(t, 'reactor_container_starts_total{host="h2",name="_other"}'), 1);
  assert.equal(sample(t, 'reactor_container_starts_total{host="h1",name="c"}'), undefined);
  assert.equal(sample(t, "reactor_container_names_folded_total"), 3);
  assert.equal(sample(t, "reactor_container_names_limit"), 2);
});

Deno.test("ReactorMetrics records hook runs by outcome and their durations", () => {
  const m = make();
  const hook = (outcome: "ok" | "failed" | "timeout", durationMs: number): Observation => ({
    kind: "hook",
    at: 0,
    hostId: "h1",
    hook: "rule",
    rule: "notify",
    outcome,
    durationMs,
  });
  m.observe(hook("ok", 20));
  m.observe(hook("ok", 300));
  m.observe(hook("timeout", 60_000));
  const t = m.render();
  assert.equal(sample(t, 'reactor_hook_runs_total{hook="rule",rule="notify",outcome="ok"}'), 2);
  assert.equal(
    sample(t, 'reactor_hook_runs_total{hook="rule",rule="notify",outcome="timeout"}'),
    1,
  );
  assert.equal(sample(t, 'reactor_hook_duration_seconds_count{hook="rule",rule="notify"}'), 3);
  assert.equal(sample(t, 'reactor_hook_duration_seconds_sum{hook="rule",rule="notify"}'), 60.32);
  assert.equal(
    sample(t, 'reactor_hook_duration_seconds_bucket{hook="rule",rule="notify",le="0.025"}'),
    1,
  );
});

Deno.test("ReactorMetrics tracks stream state, reconnects, resyncs, cursor lag and deferrals", () => {
  const hosts: MetricsHost[] = [{ id: "h1", state: "up", enabled: true }];
  const m = make(hosts);
  m.observe({ kind: "host", at: 0, hostId: "gone", state: "down", error: "x" });
  m.observe({ kind: "reconnect", at: 0, hostId: "h1", attempt: 1, delayMs: 10, error: "e" });
  m.observe({ kind: "reconnect", at: 0, hostId: "h1", attempt: 2, delayMs: 10, error: "e" });
  m.observe({ kind: "resync", at: 0, hostId: "h1", running: 4, synthesized: 2 });
  m.observe({ kind: "cursor", at: 0, hostId: "h1", timeNano: "1700000000000000000" });
  m.observe({ kind: "deferred", at: 0, hostId: "h1", event: ev("start", "w"), reason: "r" });
  let t = m.render();
  assert.equal(sample(t, 'reactor_stream_connected{host="h1"}'), 1);
  assert.equal(sample(t, 'reactor_stream_connected{host="gone"}'), 0);
  assert.equal(sample(t, 'reactor_stream_reconnects_total{host="h1"}'), 2);
  assert.equal(sample(t, 'reactor_resyncs_total{host="h1"}'), 1);
  assert.equal(sample(t, 'reactor_resync_synthesized_total{host="h1"}'), 2);
  assert.equal(sample(t, 'reactor_cursor_lag_seconds{host="h1"}'), 10.5);
  assert.equal(sample(t, 'reactor_events_deferred_total{host="h1"}'), 1);
  hosts[0]!.state = "down";
  t = m.render();
  assert.equal(sample(t, 'reactor_stream_connected{host="h1"}'), 0);
});

Deno.test("ReactorMetrics exposes process metrics", () => {
  const t = make().render();
  assert.ok(sample(t, "process_resident_memory_bytes")! > 0);
  assert.ok(sample(t, "process_cpu_seconds_total")! > 0);
  assert.ok(sample(t, "process_open_fds")! > 0);
  assert.ok(sample(t, "process_start_time_seconds")! > 1.6e9);
});

Deno.test("ReactorMetrics.readiness() waits for every enabled host's first connection", () => {
  const hosts: MetricsHost[] = [
    { id: "a", state: "connecting", enabled: true },
    { id: "b", state: "down", enabled: false },
  ];
  const m = make(hosts);
  assert.deepEqual(m.readiness(), {
    ok: false,
    reason: 'waiting for the first connection to host "a"',
  });
  m.observe({ kind: "host", at: 0, hostId: "a", state: "up" });
  m.observe({ kind: "host", at: 0, hostId: "a", state: "down" });
  hosts[0]!.state = "down";
  assert.deepEqual(m.readiness(), { ok: true }, "stays ready after a later drop");
});

Deno.test("ReactorMetrics counts webhook deliveries and retries", () => {
  const m = make([], { webhookQueueDepth: () => 3 });
  m.observeWebhook({ rule: "slack", outcome: "ok", attempts: 3 });
  m.observeWebhook({ rule: "slack", outcome: "dropped", attempts: 0 });
  const t = m.render();
  assert.equal(sample(t, 'reactor_webhook_deliveries_total{rule="slack",outcome="ok"}'), 1);
  assert.equal(sample(t, 'reactor_webhook_deliveries_total{rule="slack",outcome="dropped"}'), 1);
  assert.equal(sample(t, 'reactor_webhook_retries_total{rule="slack"}'), 2);
  assert.equal(sample(t, "reactor_webhook_queue_depth"), 3);
});

Deno.test("ReactorMetrics.render() survives a throwing queueDepth callback", () => {
  const m = new ReactorMetrics({
    version: "1",
    queueDepth: () => {
      throw new Error("engine gone");
    },
    hosts: () => [],
  });
  const t = m.render();
  assert.match(t, /# TYPE reactor_queue_depth gauge/);
  assert.equal(sample(t, "reactor_queue_depth"), undefined);
});
