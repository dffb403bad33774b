/**
 * `deno task bench`: reactor against baselines measured in the same run, on a private dockerd.
 *
 * 1. Event → handler latency (p50/p99) vs a bare `/events` reader receiving the same events.
 * 2. Time to drain a burst of 100 container starts vs the bare reader seeing the last start.
 * 3. RSS of an idle `reactor run` vs an idle bare reader process.
 *
 * Extra benchmarks register in `bench/` as `*_bench.ts` modules exporting `bench(d)`.
 */
import { endpointConnector } from "../lib/docker/connector.ts";
import { Reactor } from "../lib/engine/reactor.ts";
import { getLog, setupLogging } from "../lib/log.ts";
import { startDockerd, type TestDockerd, waitFor } from "../tests/harness/dockerd.ts";
import { startDeno } from "../tests/harness/process.ts";
import type { Hook } from "../lib/engine/hook.ts";
import { type Arrival, bareReader, wallMs } from "./bare_reader.ts";
import { type Row, table } from "./table.ts";

/** Sample sizes (BENCH_SCALE=0.1 for a quick smoke run). */
const SCALE = Number(Deno.env.get("BENCH_SCALE") ?? 1);
const SEQ = Math.max(2, Math.round(40 * SCALE));
const BURST = Math.max(2, Math.round(100 * SCALE));

function progress(msg: string): void {
  // deno-lint-ignore no-console
  console.error(`bench: ${msg}`);
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

function nanoMs(n: string): number {
  return Number(BigInt(n) / 1000n) / 1000;
}

async function pool<T>(items: T[], n: number, fn: (x: T) => Promise<unknown>) {
  const q = [...items];
  await Promise.all(Array.from({ length: n }, async () => {
    for (let x = q.shift(); x !== undefined; x = q.shift()) await fn(x);
  }));
}

async function latencyAndBurst(d: TestDockerd): Promise<Row[]> {
  const handled = new Map<string, number>();
  const hook: Hook = {
    name: "bench",
    wants: (ev) => ev.type === "container" && ev.action === "start" && !ev.synthetic,
    handle: (ctx) => {
      handled.set(ctx.event.actor.id, wallMs());
      return Promise.resolve();
    },
  };
  const state = await Deno.makeTempDir();
  const reactor = new Reactor({
    hosts: [endpointConnector({ id: "default", url: d.host })],
    hooks: [hook],
    stateDir: state,
    log: getLog(),
    persist: false,
  });
  const ac = new AbortController();
  const arrivals: Arrival[] = [];
  const bare = bareReader(d.socket, arrivals, ac.signal);
  const running = reactor.run(ac.signal);
  await waitFor(() => reactor.hostStatus()[0]?.state === "up");
  await new Promise((r) => setTimeout(r, 300));

  // 1. sequential starts: per-event latency
  progress(`event→handler latency (${SEQ} sequential starts)`);
  const seq = Array.from({ length: SEQ }, (_, i) => `lat${i}`);
  for (const n of seq) await d.runContainer(n, { cmd: ["sleep", "600"] });
  await waitFor(() => handled.size >= seq.length, { timeoutMs: 60_000 });
  const starts = arrivals.filter((a) => a.action === "start");
  const lat = { reactor: [] as number[], bare: [] as number[] };
  for (const a of starts) {
    const h = handled.get(a.id);
    if (h === undefined) continue;
    lat.bare.push(a.at - nanoMs(a.timeNano));
    lat.reactor.push(h - nanoMs(a.timeNano));
  }
  await pool(seq, 8, (n) => d.docker("rm", "-f", n));

  // 2. burst of 100 starts
  progress(`burst of ${BURST} starts`);
  handled.clear();
  arrivals.length = 0;
  const burst = Array.from({ length: BURST }, (_, i) => `burst${i}`);
  await pool(burst, 8, (n) => d.runContainer(n, { cmd: ["sleep", "600"] }));
  await waitFor(() => handled.size >= burst.length, { timeoutMs: 120_000 });
  const bStarts = arrivals.filter((a) => a.action === "start");
  const first = Math.min(...bStarts.map((a) => nanoMs(a.timeNano)));
  const bareLast = Math.max(...bStarts.map((a) => a.at));
  const reactorLast = Math.max(...handled.values());
  await pool(burst, 8, (n) => d.docker("rm", "-f", n));

  ac.abort();
  progress("stopping the in-process reactor");
  await Promise.all([running, bare]);
  await Deno.remove(state, { recursive: true });
  return [
    {
      metric: "event→handler latency p50",
      reactor: pct(lat.reactor, 50),
      baseline: pct(lat.bare, 50),
      unit: "ms",
      baselineName: "bare /events reader",
    },
    {
      metric: "event→handler latency p99",
      reactor: pct(lat.reactor, 99),
      baseline: pct(lat.bare, 99),
      unit: "ms",
      baselineName: "bare /events reader",
    },
    {
      metric: `drain a burst of ${BURST} starts`,
      reactor: reactorLast - first,
      baseline: bareLast - first,
      unit: "ms",
      baselineName: "bare reader sees last start",
    },
  ];
}

async function rss(pid: number): Promise<number> {
  const s = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? NaN) / 1024;
}

async function idleRss(d: TestDockerd): Promise<Row[]> {
  progress("idle RSS");
  const state = await Deno.makeTempDir();
  const r = startDeno("main.ts", ["-H", d.host, "--state-dir", state, "run"]);
  const b = startDeno("bench/bare_reader.ts", [d.socket]);
  try {
    await r.waitForOutput(/Connected to/);
    await new Promise((res) => setTimeout(res, 3000));
    return [{
      metric: "idle RSS",
      reactor: await rss(r.pid),
      baseline: await rss(b.pid),
      unit: "MiB",
      baselineName: "idle bare reader process",
    }];
  } finally {
    r.kill("SIGTERM");
    b.kill("SIGTERM");
    await Promise.all([r.wait(), b.wait()]);
    await Deno.remove(state, { recursive: true });
  }
}

if (import.meta.main) {
  setupLogging({ level: "warning" });
  const d = await startDockerd();
  const rows: Row[] = [];
  try {
    rows.push(...await latencyAndBurst(d));
    rows.push(...await idleRss(d));
    for await (const e of Deno.readDir(new URL(".", import.meta.url))) {
      if (!e.name.endsWith("_bench.ts")) continue;
      const mod = await import(new URL(e.name, import.meta.url).href);
      if (typeof mod.bench === "function") {
        progress(e.name);
        rows.push(...await mod.bench(d));
      }
    }
  } finally {
    await d.close();
  }
  // deno-lint-ignore no-console
  console.log(table(rows));
}
