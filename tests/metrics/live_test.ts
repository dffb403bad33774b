/**
 * Metrics against a real private dockerd: events read from its stream (DockerClient.events +
 * parseEvent) feed ReactorMetrics as the engine's observations would; `/metrics` is scraped over
 * HTTP while containers start, restart and run a one-second healthcheck; the output passes
 * `promtool check metrics`; a private Prometheus scrapes it and answers queries.
 */
import assert from "node:assert/strict";
import { endpointConnector } from "../../lib/docker/connector.ts";
import type { HostState, Observation } from "../../lib/engine/observer.ts";
import { ReactorMetrics } from "../../lib/metrics/reactor_metrics.ts";
import { metricsHandler, serveMetrics } from "../../lib/metrics/server.ts";
import { startDockerd, waitFor } from "../harness/dockerd.ts";
import { promtoolCheck, startPrometheus } from "../harness/prometheus.ts";

const HOST = "live";
const tag = `m${Deno.pid}`;

/** Value of the sample `name{labels}` in an exposition (labels in the order written). */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

Deno.test("metrics move with a real dockerd and Prometheus scrapes them", async (t) => {
  const d = await startDockerd();
  const ac = new AbortController();
  let state: HostState = "connecting";
  const metrics = new ReactorMetrics({
    version: "0.0.0-test",
    queueDepth: () => 0,
    hosts: () => [{ id: HOST, state, enabled: true }],
  });
  const observe = (o: Observation) => metrics.observe(o);
  let pump: Promise<void> | undefined;
  let server: Awaited<ReturnType<typeof serveMetrics>> | undefined;
  let prom: Awaited<ReturnType<typeof startPrometheus>> | undefined;
  try {
    const connector = endpointConnector({ id: HOST, url: d.host });
    const client = await connector.connect(ac.signal);
    await client.negotiate(ac.signal);
    const events = await client.events({ signal: ac.signal });
    state = "up";
    observe({ kind: "host", at: Date.now(), hostId: HOST, state });
    pump = (async () => {
      try {
        for await (const event of events) {
          observe({ kind: "event", at: Date.now(), hostId: HOST, event, duplicate: false });
          observe({ kind: "cursor", at: Date.now(), hostId: HOST, timeNano: event.timeNano });
        }
      } catch {
        /* aborted at the end */
      } finally {
        state = "down";
        client.close();
      }
    })();

    server = await serveMetrics("127.0.0.1:0", metricsHandler(metrics), ac.signal);
    const base = `http://127.0.0.1:${server.address.port}`;
    const scrape = async () => {
      const r = await fetch(`${base}/metrics`);
      assert.equal(r.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
      return await r.text();
    };

    await t.step("a container start is counted by type/action and by name", async () => {
      const before = sample(
        await scrape(),
        `reactor_events_total{host="${HOST}",type="container",action="start"}`,
      ) ?? 0;
      await d.runContainer(`${tag}-web`);
      const text = await waitFor(async () => {
        const s = await scrape();
        return sample(s, `reactor_container_starts_total{host="${HOST}",name="${tag}-web"}`) === 1
          ? s
          : undefined;
      }, { what: "start counted" });
      assert.equal(
        sample(text, `reactor_events_total{host="${HOST}",type="container",action="start"}`),
        before + 1,
      );
      assert.ok(
        sample(text, `reactor_events_total{host="${HOST}",type="container",action="create"}`)! >= 1,
      );
      assert.equal(sample(text, `reactor_stream_connected{host="${HOST}"}`), 1);
      const last = sample(text, `reactor_last_event_timestamp_seconds{host="${HOST}"}`)!;
      assert.ok(Math.abs(last - Date.now() / 1000) < 300, `last event ${last}`);
      assert.ok(sample(text, `reactor_cursor_lag_seconds{host="${HOST}"}`)! >= 0);
    });

    await t.step("a restart counts a second start of the same name", async () => {
      await d.docker("restart", "-t", "0", `${tag}-web`);
      await waitFor(
        async () =>
          sample(
            await scrape(),
            `reactor_container_starts_total{host="${HOST}",name="${tag}-web"}`,
          ) ===
            2,
        { what: "second start counted" },
      );
    });

    await t.step("a one-second healthcheck shows up as execs of that container", async () => {
      await d.runContainer(`${tag}-hc`, {
        args: ["--health-cmd", "true", "--health-interval", "1s", "--health-retries", "1"],
      });
      await waitFor(
        async () =>
          (sample(
            await scrape(),
            `reactor_container_exec_total{host="${HOST}",name="${tag}-hc"}`,
          ) ??
            0) >= 3,
        { what: "three healthcheck execs counted", timeoutMs: 30_000 },
      );
      const text = await scrape();
      assert.equal(
        sample(text, `reactor_container_exec_total{host="${HOST}",name="${tag}-web"}`),
        undefined,
        "the container without a healthcheck has no execs",
      );
      assert.ok(
        sample(
          text,
          `reactor_events_total{host="${HOST}",type="container",action="exec_start"}`,
        )! >=
          3,
      );
    });

    await t.step("/healthz is 200 while the stream is up", async () => {
      const r = await fetch(`${base}/healthz`);
      assert.equal(r.status, 200);
      assert.deepEqual(await r.json(), { status: "ok", hosts: { [HOST]: "up" } });
      const ready = await fetch(`${base}/readyz`);
      assert.equal(ready.status, 200);
      await ready.body?.cancel();
    });

    await t.step("promtool check metrics accepts the scrape", async () => {
      assert.equal(await promtoolCheck(await scrape()), "");
    });

    await t.step("a real Prometheus scrapes reactor and answers queries", async () => {
      prom = await startPrometheus({ targets: { reactor: [`127.0.0.1:${server!.address.port}`] } });
      const p = prom;
      const up = await waitFor(async () => {
        const r = await p.query('up{job="reactor"} == 1');
        return r.length === 1 ? r : undefined;
      }, { what: `up{job="reactor"} == 1`, timeoutMs: 30_000 }).catch((err) => {
        throw new Error(`${err.message}\n${p.output().slice(-2000)}`);
      });
      assert.equal(up[0]!.metric["instance"], `127.0.0.1:${server!.address.port}`);
      const starts = await waitFor(async () => {
        const r = await p.query(
          `reactor_events_total{job="reactor",host="${HOST}",type="container",action="start"}`,
        );
        return r.length === 1 ? r : undefined;
      }, { what: "reactor_events_total in Prometheus", timeoutMs: 30_000 });
      assert.ok(starts[0]!.value >= 2, `starts ${starts[0]!.value}`);
      const execs = await p.query(
        `reactor_container_exec_total{job="reactor",name="${tag}-hc"}`,
      );
      assert.ok(execs[0]!.value >= 3, JSON.stringify(execs));
    });

    await t.step("/healthz turns 503 with a reason when the stream ends", async () => {
      await d.docker("rm", "-f", `${tag}-web`, `${tag}-hc`);
      await d.stopDaemon();
      await pump;
      const r = await fetch(`${base}/healthz`);
      assert.equal(r.status, 503);
      const body = await r.json();
      assert.equal(body.reason, `host "${HOST}" is down`);
      const text = await scrape();
      assert.equal(sample(text, `reactor_stream_connected{host="${HOST}"}`), 0);
    });
  } finally {
    ac.abort();
    await pump;
    await server?.finished;
    await prom?.close();
    await d.close();
  }
});
