/**
 * Bench: event → handler latency on a private dockerd, reactor (`probe.ts`, a process of its
 * own) against a bare reader process receiving the same events in the same run; twice: with a
 * hook that needs only the event (no inspect), and with a hook that needs the container (one
 * inspect) against a bare reader that also inspects. Plus the time to drain a burst of starts.
 *
 * @module
 */
import type { TestDockerd } from "../tests/harness/dockerd.ts";
import { type JsonChild, nanoMs, pct, progress, startJsonChild } from "./child.ts";
import type { Row } from "./table.ts";

/** Run `fn` on `items`, `n` at a time. */
export async function pool<T>(
  items: T[],
  n: number,
  fn: (x: T) => Promise<unknown>,
): Promise<void> {
  const q = [...items];
  await Promise.all(Array.from({ length: n }, async () => {
    for (let x = q.shift(); x !== undefined; x = q.shift()) await fn(x);
  }));
}

/** Start the probe on hosts (stdout JSON lines); resolves once every host is up. */
export async function startProbe(
  opts: Record<string, unknown> & { stateDir: string },
): Promise<JsonChild> {
  const p = startJsonChild("bench/probe.ts", [JSON.stringify(opts)], {
    denoFlags: ["--v8-flags=--expose-gc"],
  });
  await p.next((l) => l.t === "up");
  return p;
}

function times(c: JsonChild, type: string): Map<string, { at: number; n: string }> {
  const m = new Map<string, { at: number; n: string }>();
  for (const l of c.lines) {
    if (l.t === type && l.a === "start") m.set(String(l.id), { at: Number(l.at), n: String(l.n) });
  }
  return m;
}

async function phase(
  d: TestDockerd,
  opts: { seq: number; burst: number; inspect: boolean; tag: string },
): Promise<{ reactor: number[]; bare: number[]; drain?: { reactor: number; bare: number } }> {
  const state = await Deno.makeTempDir({ prefix: "rx-bench-lat-" });
  const probe = await startProbe({
    hosts: [{ id: "default", url: d.host }],
    needsContainer: opts.inspect,
    actions: ["start"],
    verbose: true,
    stateDir: state,
  });
  const bare = startJsonChild("bench/bare_reader.ts", [
    d.socket,
    "--print",
    ...(opts.inspect ? ["--inspect"] : []),
  ]);
  try {
    await bare.next((l) => l.t === "up");
    await new Promise((r) => setTimeout(r, 300));
    const seen = async (ids: string[]) => {
      for (const c of [probe, bare]) {
        for (const id of ids) {
          await c.next((l) => l.a === "start" && l.id === id, { timeoutMs: 60_000 });
        }
      }
    };
    const names = Array.from({ length: opts.seq }, (_, i) => `${opts.tag}${i}`);
    const ids: string[] = [];
    for (const n of names) ids.push(await d.runContainer(n, { cmd: ["sleep", "600"] }));
    await seen(ids);
    const pr = times(probe, "h"), br = times(bare, "e");
    const reactor = ids.map((id) => pr.get(id)!.at - nanoMs(pr.get(id)!.n));
    const baseline = ids.map((id) => br.get(id)!.at - nanoMs(br.get(id)!.n));
    await pool(names, 8, (n) => d.docker("rm", "-f", n));
    if (!opts.burst) return { reactor, bare: baseline };
    const burst = Array.from({ length: opts.burst }, (_, i) => `${opts.tag}b${i}`);
    const bids: string[] = [];
    await pool(
      burst,
      8,
      async (n) => bids.push(await d.runContainer(n, { cmd: ["sleep", "600"] })),
    );
    await seen(bids);
    const pb = times(probe, "h"), bb = times(bare, "e");
    const first = Math.min(...bids.map((id) => nanoMs(bb.get(id)!.n)));
    const drain = {
      reactor: Math.max(...bids.map((id) => pb.get(id)!.at)) - first,
      bare: Math.max(...bids.map((id) => bb.get(id)!.at)) - first,
    };
    await pool(burst, 8, (n) => d.docker("rm", "-f", n));
    return { reactor, bare: baseline, drain };
  } finally {
    await Promise.all([probe.stop(), bare.stop()]);
    await Deno.remove(state, { recursive: true }).catch(() => {});
  }
}

/** Latency rows (and the burst drain). */
export async function latencyBench(d: TestDockerd, seq: number, burst: number): Promise<Row[]> {
  progress(`event→handler, hook needs only the event (${seq} sequential starts, burst ${burst})`);
  const a = await phase(d, { seq, burst, inspect: false, tag: "lat" });
  progress(`event→handler, hook needs the container (${seq} sequential starts)`);
  const b = await phase(d, { seq, burst: 0, inspect: true, tag: "lati" });
  const bare = "bare /events reader";
  const bareI = "bare reader + 1 inspect per start";
  return [
    {
      metric: "event→handler p50 (hook needs only the event)",
      reactor: pct(a.reactor, 50),
      baseline: pct(a.bare, 50),
      unit: "ms",
      baselineName: bare,
      target: { ratio: 1.3 },
    },
    {
      metric: "event→handler p99 (hook needs only the event)",
      reactor: pct(a.reactor, 99),
      baseline: pct(a.bare, 99),
      unit: "ms",
      baselineName: bare,
      target: { ratio: 1.5 },
    },
    {
      metric: "event→handler p50 (hook needs the container)",
      reactor: pct(b.reactor, 50),
      baseline: pct(b.bare, 50),
      unit: "ms",
      baselineName: bareI,
      target: { ratio: 1.3 },
    },
    {
      metric: "event→handler p99 (hook needs the container)",
      reactor: pct(b.reactor, 99),
      baseline: pct(b.bare, 99),
      unit: "ms",
      baselineName: bareI,
      target: { ratio: 1.5 },
    },
    {
      metric: `drain a burst of ${burst} starts`,
      reactor: a.drain!.reactor,
      baseline: a.drain!.bare,
      unit: "ms",
      baselineName: "bare reader sees the last start",
    },
  ];
}
