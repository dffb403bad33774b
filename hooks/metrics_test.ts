import assert from "node:assert/strict";
import { loadConfig } from "../lib/config/load.ts";
import { ConfigError } from "../lib/errors.ts";
import type { ReactorEvent } from "../lib/reactor.d.ts";
import { type FakeRuntime, fakeRuntime } from "./_fake_runtime.ts";
import { metricsHook } from "./metrics.ts";
import { BUILTIN_HOOKS } from "./mod.ts";

const START: ReactorEvent = {
  hostId: "h1",
  type: "container",
  action: "start",
  rawAction: "start",
  actor: { id: "c1", attributes: { name: "web" } },
  scope: "local",
  time: 1,
  timeNano: "1000000000",
  synthetic: false,
  raw: "",
};

function served(f: FakeRuntime): string {
  const line = f.lines.findLast((l) => l.message.startsWith("Serving metrics on"));
  assert.ok(line, JSON.stringify(f.lines));
  return /http:\/\/[^/]+/.exec(line.message)![0];
}

const settings = (maxNames = 500) => ({
  listen: "127.0.0.1:0",
  maxNames,
  allowNonLoopback: false,
});

Deno.test("metricsHook serves the engine's observations and host health until closed", async () => {
  const f = fakeRuntime(["h1"]);
  const hook = metricsHook(settings(), { webhookQueueDepth: () => 3 });
  await hook.start!(f.rt);
  const url = served(f);
  try {
    f.rt.observer.emit({ kind: "event", at: 0, hostId: "h1", event: START, duplicate: false });
    f.rt.observer.emit({
      kind: "webhook",
      at: 0,
      hostId: "",
      rule: "notify",
      outcome: "ok",
      attempts: 3,
    });
    const text = await (await fetch(`${url}/metrics`)).text();
    assert.match(text, /^reactor_events_total\{host="h1",type="container",action="start"\} 1$/m);
    assert.match(text, /^reactor_container_starts_total\{host="h1",name="web"\} 1$/m);
    assert.match(text, /^reactor_webhook_deliveries_total\{rule="notify",outcome="ok"\} 1$/m);
    assert.match(text, /^reactor_webhook_retries_total\{rule="notify"\} 2$/m);
    assert.match(text, /^reactor_webhook_queue_depth 3$/m);
    assert.match(text, /^reactor_stream_connected\{host="h1"\} 1$/m);

    const ok = await fetch(`${url}/healthz`);
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
    f.hosts[0]!.state = "down";
    f.hosts[0]!.lastError = "Cannot connect:\nrefused";
    const down = await fetch(`${url}/healthz`);
    assert.equal(down.status, 503);
    const body = await down.text();
    assert.equal(body.split("\n").length, 2, "one line");
    assert.equal(JSON.parse(body).reason, 'host "h1" is down: Cannot connect: refused');
  } finally {
    await hook.close!();
  }
  await assert.rejects(fetch(`${url}/metrics`));
});

Deno.test("metricsHook: a reload keeps the port and the counters (a new cap restarts them)", async () => {
  const f = fakeRuntime(["h1"]);
  const first = metricsHook(settings());
  const same = metricsHook(settings());
  const capped = metricsHook(settings(1));
  const count = async (url: string) => {
    const text = await (await fetch(`${url}/metrics`)).text();
    return Number(
      /^reactor_container_starts_total\{host="h1",name="web"\} (\d+)$/m.exec(text)?.[1] ?? 0,
    );
  };
  try {
    await first.start!(f.rt);
    const url = served(f);
    f.rt.observer.emit({ kind: "event", at: 0, hostId: "h1", event: START, duplicate: false });
    // the engine starts the new hook, then closes the old one
    await same.start!(f.rt);
    await first.close!();
    assert.equal(await count(url), 1, "same port, same counters");
    f.rt.observer.emit({ kind: "event", at: 0, hostId: "h1", event: START, duplicate: false });
    assert.equal(await count(url), 2, "counted once, not once per hook");

    await capped.start!(f.rt);
    await same.close!();
    assert.equal(await count(url), 0, "a new name cap starts from zero");
    assert.ok(f.lines.some((l) => l.message.includes("maxNames changed")));
  } finally {
    for (const h of [first, same, capped]) await h.close!();
  }
});

Deno.test("metricsHook.start() rejects when the address is taken", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const f = fakeRuntime();
  const hook = metricsHook({ ...settings(), listen: `127.0.0.1:${taken.addr.port}` });
  try {
    await assert.rejects(
      async () => await hook.start!(f.rt),
      /Cannot serve metrics on 127\.0\.0\.1:\d+/,
    );
  } finally {
    taken.close();
    await hook.close!();
  }
});

async function problems(text: string, flags: Record<string, unknown> = {}): Promise<string[]> {
  const dir = await Deno.makeTempDir({ prefix: "rx-metrics-hook-" });
  try {
    await Deno.writeTextFile(`${dir}/r.yaml`, text);
    (await loadConfig([`${dir}/r.yaml`], {
      registry: BUILTIN_HOOKS,
      hosts: { env: {}, home: "/root" },
      insecure: true,
      flags,
    })).close();
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => p.replace(/^.*r\.yaml:/, ""));
    throw err;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("metrics: settings problems at their field, or naming --metrics-listen", async () => {
  assert.deepEqual(await problems("metrics:\n  listen: 0.0.0.0:9323\n  maxNames: -1\n"), [
    `2:11: metrics.listen: Refusing to serve metrics on "0.0.0.0:9323": not a loopback address and the endpoint has no authentication — listen on 127.0.0.1 behind a proxy, or set metrics.allowNonLoopback: true`,
    "3:13: metrics.maxNames: expected a whole number from 0 to 100000, got number -1",
  ]);
  assert.deepEqual(
    await problems("metrics:\n  listen: 0.0.0.0:9323\n  allowNonLoopback: true\n"),
    [],
  );
  assert.deepEqual(
    await problems("events_reactor:\n  r:\n    run: [x]\n", { metricsListen: "localhost" }),
    [
      `--metrics-listen: Invalid metrics listen address "localhost": expected host:port — e.g. 127.0.0.1:9323 or [::1]:9323`,
    ],
  );
  assert.deepEqual(await problems("metrics:\n  maxNames: 10\n"), [
    `2:3: metrics.listen: expected host:port, got nothing — e.g. listen: "127.0.0.1:9323"`,
  ]);
});
