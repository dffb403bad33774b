/**
 * The metrics endpoint of the REAL daemon (`reactor run --metrics-listen 127.0.0.1:0`) against a
 * private dockerd: values move as containers start and die and as rules run; the scrape passes
 * `promtool check metrics`; a private Prometheus scrapes the daemon; `/healthz` turns 503 with a
 * one-line JSON reason while dockerd is down, and the reconnect is counted when it is back.
 */
import assert from "node:assert/strict";
import { startDockerd, waitFor } from "../harness/dockerd.ts";
import { promtoolCheck, startPrometheus, type TestPrometheus } from "../harness/prometheus.ts";
import { type ReactorDaemon, sample, startReactor } from "../harness/reactor_daemon.ts";

const H = "default";
const tag = `md${Deno.pid}`;
const CONFIG = `
metrics:
  listen: 127.0.0.1:9 # the harness's --metrics-listen 127.0.0.1:0 wins
  maxNames: 3
events_reactor:
  on start:
    event: { type: container, action: start }
    run: ["true"]
  fails on die:
    event: { type: container, action: die }
    run: ["false"]
`;

Deno.test("reactor run --metrics-listen: metrics move with a real dockerd, Prometheus scrapes them, /healthz follows the engine", async (t) => {
  const d = await startDockerd();
  let r: ReactorDaemon | undefined;
  let prom: TestPrometheus | undefined;
  try {
    r = await startReactor({ dockerHost: d.host, config: CONFIG });
    const rd = r;
    const value = async (series: string) => sample(await rd.scrape(), series) ?? 0;
    const until = (what: string, ok: (text: string) => boolean, timeoutMs = 30_000) =>
      waitFor(async () => {
        const text = await rd.scrape();
        return ok(text) ? text : undefined;
      }, { what, timeoutMs });

    await t.step("ready and healthy once the stream is up", async () => {
      await waitFor(async () => (await fetch(`${rd.metricsUrl}/readyz`)).status === 200, {
        what: "/readyz 200",
      });
      const res = await fetch(`${rd.metricsUrl}/healthz`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { status: "ok", hosts: { [H]: "up" } });
      const text = await rd.scrape();
      assert.equal(sample(text, `reactor_stream_connected{host="${H}"}`), 1);
      assert.ok((sample(text, `reactor_resyncs_total{host="${H}"}`) ?? 0) >= 1);
      assert.equal(sample(text, "reactor_queue_depth"), 0);
      assert.match(text, /^reactor_build_info\{version="[^"]+"\} 1$/m);
      for (const m of ["process_resident_memory_bytes", "process_cpu_seconds_total"]) {
        assert.ok((sample(text, m) ?? 0) > 0, m);
      }
      assert.ok((sample(text, "process_open_fds") ?? 0) > 3);
    });

    await t.step("container starts count events, starts by name and rule runs", async () => {
      const startSeries = `reactor_events_total{host="${H}",type="container",action="start"}`;
      const runs = `reactor_hook_runs_total{hook="rule",rule="on start",outcome="ok"}`;
      const before = { starts: await value(startSeries), runs: await value(runs) };
      await d.runContainer(`${tag}-web`);
      // execs accumulate meanwhile (checked later): a one-second healthcheck
      await d.runContainer(`${tag}-hc`, {
        args: ["--health-cmd", "true", "--health-interval", "1s", "--health-retries", "1"],
      });
      const text = await until(
        "starts, names and rule runs counted",
        (s) =>
          sample(s, `reactor_container_starts_total{host="${H}",name="${tag}-web"}`) === 1 &&
          sample(s, `reactor_container_starts_total{host="${H}",name="${tag}-hc"}`) === 1 &&
          sample(s, runs) === before.runs + 2,
      );
      assert.equal(sample(text, startSeries), before.starts + 2);
      assert.ok(
        (sample(text, `reactor_events_total{host="${H}",type="container",action="create"}`) ??
          0) >= 2,
      );
      assert.equal(
        sample(text, `reactor_hook_duration_seconds_count{hook="rule",rule="on start"}`),
        before.runs + 2,
      );
      const last = sample(text, `reactor_last_event_timestamp_seconds{host="${H}"}`)!;
      assert.ok(Math.abs(last - Date.now() / 1000) < 300, `last event ${last}`);
    });

    await t.step("a container that dies runs the failing rule: counted as failed", async () => {
      await d.docker("stop", "-t", "0", `${tag}-web`);
      await until(
        "failed rule run counted",
        (s) =>
          sample(s, `reactor_hook_runs_total{hook="rule",rule="fails on die",outcome="failed"}`) ===
            1 &&
          sample(s, `reactor_events_total{host="${H}",type="container",action="die"}`) === 1,
      );
      await d.docker("start", `${tag}-web`);
      await until(
        "second start of the same name",
        (s) => sample(s, `reactor_container_starts_total{host="${H}",name="${tag}-web"}`) === 2,
      );
      // the cursor is persisted within a second: its lag is exposed
      await until(
        "cursor lag exposed",
        (s) => sample(s, `reactor_cursor_lag_seconds{host="${H}"}`) !== undefined,
      );
    });

    await t.step("a one-second healthcheck shows as execs of its container", async () => {
      await until(
        "healthcheck execs counted",
        (s) => (sample(s, `reactor_container_exec_total{host="${H}",name="${tag}-hc"}`) ?? 0) >= 2,
      );
    });

    await t.step("promtool check metrics accepts the daemon's scrape", async () => {
      assert.equal(await promtoolCheck(await rd.scrape()), "");
    });

    await t.step("a real Prometheus scrapes the daemon", async () => {
      prom = await startPrometheus({ targets: { reactor: [rd.metricsAddr] } });
      const p = prom;
      const up = await waitFor(async () => {
        const res = await p.query('up{job="reactor"} == 1');
        return res.length === 1 ? res : undefined;
      }, { what: `up{job="reactor"} == 1`, timeoutMs: 30_000 }).catch((err) => {
        throw new Error(`${err.message}\n${p.output().slice(-2000)}`);
      });
      assert.equal(up[0]!.metric["instance"], rd.metricsAddr);
      const starts = await waitFor(async () => {
        const res = await p.query(
          `reactor_events_total{job="reactor",host="${H}",type="container",action="start"}`,
        );
        return res.length === 1 ? res : undefined;
      }, { what: "reactor_events_total in Prometheus", timeoutMs: 30_000 });
      assert.ok(starts[0]!.value >= 2, `starts ${starts[0]!.value}`);
    });

    await t.step(
      "dockerd down: /healthz 503 with a one-line reason; back: reconnect counted",
      async () => {
        const reconnects = `reactor_stream_reconnects_total{host="${H}"}`;
        const resyncs = `reactor_resyncs_total{host="${H}"}`;
        const before = { reconnects: await value(reconnects), resyncs: await value(resyncs) };
        await d.stopDaemon();
        const res = await waitFor(async () => {
          const res = await fetch(`${rd.metricsUrl}/healthz`);
          if (res.status === 503) return res;
          await res.body?.cancel();
        }, { what: "/healthz 503" });
        const body = await res.text();
        assert.equal(body.trimEnd().split("\n").length, 1, body);
        const json = JSON.parse(body);
        assert.equal(json.status, "unavailable");
        assert.match(json.reason, new RegExp(`^host "${H}" is (down|connecting)`));
        assert.equal(sample(await rd.scrape(), `reactor_stream_connected{host="${H}"}`), 0);
        // readiness is about the first connection: it stays ready
        assert.equal((await fetch(`${rd.metricsUrl}/readyz`)).status, 200);

        await d.startDaemon();
        const text = await until(
          "reconnected and resynced",
          (s) =>
            sample(s, `reactor_stream_connected{host="${H}"}`) === 1 &&
            (sample(s, resyncs) ?? 0) > before.resyncs,
          60_000,
        );
        assert.ok((sample(text, reconnects) ?? 0) > before.reconnects, "reconnect counted");
        const ok = await fetch(`${rd.metricsUrl}/healthz`);
        assert.equal(ok.status, 200);
        await ok.body?.cancel();
      },
    );

    await t.step("a config reload (SIGHUP) keeps the endpoint and its counters", async () => {
      const series = `reactor_container_starts_total{host="${H}",name="${tag}-web"}`;
      const before = await value(series);
      assert.ok(before >= 2);
      const reloads = () => rd.logs().filter((l) => /reload/i.test(String(l["message"]))).length;
      const n = reloads();
      rd.proc.kill("SIGHUP");
      await waitFor(() => reloads() > n, { what: "config reloaded" });
      await d.runContainer(`${tag}-after`);
      const text = await until(
        "a start after the reload counted",
        (s) => sample(s, `reactor_container_starts_total{host="${H}",name="${tag}-after"}`) === 1,
      );
      assert.equal(sample(text, series), before, "counters survive the reload");
      const errors = rd.logs().filter((l) => l["level"] === "error" || l["level"] === "ERROR");
      assert.deepEqual(errors.filter((l) => /metrics/i.test(JSON.stringify(l))), []);
    });

    await t.step("past metrics.maxNames, names fold into _other", async () => {
      // web, hc and after hold the three names
      await d.runContainer(`${tag}-extra`);
      const text = await until(
        "a start folded into _other",
        (s) => (sample(s, "reactor_container_names_folded_total") ?? 0) >= 1,
      );
      assert.equal(sample(text, "reactor_container_names_limit"), 3);
      assert.ok(
        (sample(text, `reactor_container_starts_total{host="${H}",name="_other"}`) ?? 0) >= 1,
      );
      assert.equal(
        sample(text, `reactor_container_starts_total{host="${H}",name="${tag}-extra"}`),
        undefined,
      );
    });

    await t.step("SIGTERM stops the daemon and its endpoint", async () => {
      assert.equal(await rd.stop(), 0, rd.proc.output().slice(-2000));
      r = undefined;
      await assert.rejects(fetch(`${rd.metricsUrl}/metrics`));
    });

    await t.step(
      "restarted, it resumes from its cursor: replayed events count as duplicates",
      async () => {
        r = await startReactor({ dockerHost: d.host, config: CONFIG, dir: rd.dir });
        const again = r;
        const text = await waitFor(async () => {
          const s = await again.scrape();
          return (sample(s, `reactor_events_duplicate_total{host="${H}"}`) ?? 0) >= 1
            ? s
            : undefined;
        }, { what: "duplicates counted after the restart" });
        // nothing was handled twice: no start event was counted again
        assert.equal(
          sample(text, `reactor_events_total{host="${H}",type="container",action="start"}`),
          undefined,
        );
      },
    );
  } finally {
    await r?.kill();
    await prom?.close();
    await d.close();
  }
});
