/**
 * Bench: time from a backend container's `start` event to the first request it answers through
 * HAProxy, for reactor's HAProxy hook (the real engine, in process, as `reactor run` with
 * `hooks.haproxy`: the container joins an existing backend through the Runtime API, health-checked
 * before it gets traffic) against Docker Glue's way (on the start event: inspect the running
 * containers, render, `haproxy -c`, write, reload), in the same run, against the same private
 * HAProxy and dockerd. Run alone: `deno run -A bench/haproxy_bench.ts [samples]` (as root).
 *
 * - t0 = the `start` event's timeNano (daemon clock; same machine), from a bare `/events` reader.
 * - t1 = the first curl through HAProxy that the new container answers (polled without sleeping).
 * - The reactor samples run first, then the engine stops and the baseline samples run (both would
 *   otherwise apply every container).
 *
 * @module
 */
// deno-lint-ignore-file no-console
import { startDockerd, type TestDockerd, waitFor } from "../tests/harness/dockerd.ts";
import { curlMany, freePort } from "../tests/harness/haproxy.ts";
import { containers, runWeb, startEmptyHaproxy } from "../tests/haproxy/_backends.ts";
import { endpointConnector } from "../lib/docker/connector.ts";
import { Reactor } from "../lib/engine/reactor.ts";
import { exec } from "../lib/exec/run.ts";
import { writeInPlace } from "../lib/haproxy/install.ts";
import { balancerModel } from "../lib/haproxy/labels.ts";
import { builtinRenderer, renderConfig } from "../lib/haproxy/render.ts";
import { parseHaproxySettings } from "../lib/haproxy/settings.ts";
import { getLog, setupLogging } from "../lib/log.ts";
import { haproxyHook } from "../hooks/haproxy.ts";
import { type Arrival, bareReader, wallMs } from "./arrivals.ts";
import { type Row, table } from "./table.ts";

/** Samples per approach (BENCH_SCALE=0.1 for a quick smoke run). */
const SCALE = Number(Deno.env.get("BENCH_SCALE") ?? 1);
const SAMPLES = Math.max(2, Math.round(Number(Deno.args[0] ?? 8) * SCALE));

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

function nanoMs(n: string): number {
  return Number(BigInt(n) / 1000n) / 1000;
}

/** Poll until `name` answers through HAProxy; the wall-clock time of that answer. */
async function firstAnswer(url: string, host: string, name: string): Promise<number> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const hits = await curlMany(url, 2, { host });
    if (hits.some((h) => h.body === `${name} /`)) return wallMs();
  }
  throw new Error(`${name} never answered through HAProxy`);
}

/** Measure both approaches; returns bench rows. */
export async function bench(d: TestDockerd, samples = SAMPLES): Promise<Row[]> {
  const h = await startEmptyHaproxy();
  const wwwRoot = await Deno.makeTempDir({ prefix: "rx-haproxy-bench-" });
  const state = await Deno.makeTempDir({ prefix: "rx-haproxy-bench-state-" });
  const port = freePort();
  const url = `http://127.0.0.1:${port}/`;
  const labels = { [`glue_http_${port}_host`]: "bench.test" };
  const arrivals: Arrival[] = [];
  const readerStop = new AbortController();
  const reader = bareReader(d.socket, arrivals, readerStop.signal);
  const startOf = (id: string) =>
    waitFor(() => arrivals.find((a) => a.id === id && a.action === "start"), {
      what: "the start event",
    });
  const runtime: number[] = [];
  const reload: number[] = [];
  try {
    const settings = parseHaproxySettings({
      configFile: h.configFile,
      statsSocket: h.statsSocket,
      masterPidFile: h.pidFile,
      bindAddress: "127.0.0.1",
      wait: "0ms",
    }).settings!;
    const hook = haproxyHook(settings);
    const reactor = new Reactor({
      hosts: [endpointConnector({ id: "default", url: d.host })],
      hooks: [hook],
      stateDir: state,
      log: getLog(),
      persist: false,
    });
    const stop = new AbortController();
    const running = reactor.run(stop.signal);
    try {
      // the backend exists (one reload); every sample joins it at runtime
      await runWeb(d, "bench-base", { port, wwwRoot, labels });
      await firstAnswer(url, "bench.test", "bench-base");
      for (let i = 0; i < samples; i++) {
        const name = `bench-rt${i}`;
        const id = await runWeb(d, name, { port, wwwRoot, labels });
        const t1 = await firstAnswer(url, "bench.test", name);
        runtime.push(t1 - nanoMs((await startOf(id)).timeNano));
        await d.docker("rm", "-f", name);
        await waitFor(async () =>
          !(await h.api.showServersState()).some((s) => s.server.startsWith(`${name}_`))
        );
      }
      if (hook.balancer!.stats.reloads !== 1) {
        throw new Error(`expected one reload, got ${JSON.stringify(hook.balancer!.stats)}`);
      }
    } finally {
      stop.abort();
      await running;
    }

    // Docker Glue's way, on the same HAProxy: on the start event render everything and reload
    const apply = async () => {
      const { model } = balancerModel(await containers(d), {
        statsSocket: h.statsSocket,
        bindAddress: "127.0.0.1",
      });
      const text = await renderConfig(builtinRenderer(), model);
      await Deno.writeTextFile(`${h.dir}/candidate.cfg`, text);
      await exec(["haproxy", "-c", "-q", "-f", `${h.dir}/candidate.cfg`]);
      await writeInPlace(h.configFile, text);
      Deno.kill(h.masterPid, "SIGUSR2");
    };
    for (let i = 0; i < samples; i++) {
      const name = `bench-rl${i}`;
      const id = await runWeb(d, name, { port, wwwRoot, labels });
      const ev = await startOf(id);
      await apply();
      reload.push(await firstAnswer(url, "bench.test", name) - nanoMs(ev.timeNano));
      await d.docker("rm", "-f", name);
      await apply();
    }
  } finally {
    readerStop.abort();
    await reader;
    await d.docker("rm", "-f", "bench-base").catch(() => {});
    await h.close();
    await Deno.remove(wwwRoot, { recursive: true }).catch(() => {});
    await Deno.remove(state, { recursive: true }).catch(() => {});
  }
  const baselineName = "on the start event: render + haproxy -c + reload (Docker Glue)";
  return [
    {
      metric: `HAProxy: start event → first proxied answer, median (${samples} samples)`,
      reactor: pct(runtime, 50),
      baseline: pct(reload, 50),
      unit: "ms",
      baselineName,
    },
    {
      metric: "HAProxy: start event → first proxied answer, p90",
      reactor: pct(runtime, 90),
      baseline: pct(reload, 90),
      unit: "ms",
      baselineName,
    },
  ];
}

if (import.meta.main) {
  setupLogging({ level: "warning" });
  const d = await startDockerd();
  try {
    console.log(table(await bench(d)));
  } finally {
    await d.close();
  }
}
