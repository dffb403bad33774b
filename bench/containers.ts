/**
 * Bench: scale in containers, against fake engines.
 * - Resync of many running containers: from the moment the engine is asked for the list to the
 *   first synthesized start handled and to the resync's end, against a bare program that lists
 *   and inspects them all (16 at a time).
 * - Thousands of container lifecycles (create, start, die, stop, destroy): resident memory
 *   after a warm-up and at the end (after a full GC), and what is left of the per-host state.
 *   The warm-up lasts until the bounded windows are full (the duplicate filter remembers the
 *   last {@link DEDUP_WINDOW} event keys) and the allocator has reached its working set (measured:
 *   RSS settles by about 3,000 lifecycles and then stays within 3% up to 30,000), so that what
 *   grows after it is what would leak.
 *
 * @module
 */
import {
  type FakeContainer,
  fakeId,
  nanoToRfc3339,
  nowNano,
  startFakeEngine,
} from "../tests/harness/fake_engine.ts";
import { DEDUP_WINDOW } from "../lib/engine/dedup.ts";
import { progress, settledStats, startJsonChild, wallMs } from "./child.ts";
import { startProbe } from "./latency.ts";
import type { Row } from "./table.ts";

function running(n: number): FakeContainer[] {
  const startedAt = nanoToRfc3339(`${BigInt(nowNano()) - 60_000_000_000n}`);
  return Array.from({ length: n }, (_, i) => ({
    id: fakeId(),
    name: `run${i}`,
    labels: { "com.example.role": `r${i % 7}` },
    running: true,
    pid: 2000 + i,
    startedAt,
  }));
}

/** Resync rows for `n` running containers. */
export async function resyncBench(n: number): Promise<Row[]> {
  progress(`resync of ${n} running containers`);
  const containers = running(n);
  let listAt = 0;
  const engine = await startFakeEngine({
    containers,
    route: (_req, url) => {
      if (url.pathname.endsWith("/containers/json") && !listAt) listAt = wallMs();
      return undefined;
    },
  });
  const state = await Deno.makeTempDir({ prefix: "rx-bench-rs-" });
  try {
    const bare = startJsonChild("bench/bare_reader.ts", [engine.socket, "--resync"]);
    const b = await bare.next((l) => l.t === "resync");
    await bare.stop();
    listAt = 0;
    const probe = await startProbe({
      hosts: [{ id: "fake", url: engine.host }],
      needsContainer: true,
      actions: ["start"],
      verbose: true,
      stateDir: state,
    });
    const r = await probe.next((l) => l.t === "resync");
    const first = Math.min(
      ...probe.lines.filter((l) => l.t === "h" && l.s === true).map((l) => Number(l.at)),
    );
    const handled = probe.lines.filter((l) => l.t === "h" && l.s === true).length;
    await probe.stop();
    return [
      {
        metric: `resync of ${n} running containers: done (${handled} synthesized starts)`,
        reactor: Number(r.at) - listAt,
        baseline: Number(b.done),
        unit: "ms",
        baselineName: "bare: list + inspect each, 16 at a time",
        target: { max: 2000 },
      },
      {
        metric: `resync of ${n} running containers: first start handled`,
        reactor: first - listAt,
        baseline: Number(b.first),
        unit: "ms",
        baselineName: "bare: first inspect answered",
        target: { max: 50 },
      },
    ];
  } finally {
    await engine.close();
    await Deno.remove(state, { recursive: true }).catch(() => {});
  }
}

/** Events one lifecycle produces on the fake engine (create, start, die, stop, destroy). */
const EVENTS_PER_LIFECYCLE = 5;
/** Lifecycles after which the process' resident set has settled (see the module doc). */
const SETTLED = 3000;

/**
 * Lifecycle rows: the peak resident set in the second half of the run against the first half
 * after the warm-up (`n / 10`, but at least until the duplicate filter is full and the resident
 * set settled), then RSS and live heap at the end against after the warm-up; `n` is raised to
 * twice the warm-up. (A single RSS reading swings by tens of MiB as the allocator keeps or returns
 * freed memory; the envelope and the live heap show growth.)
 */
export async function lifecyclesBench(asked: number): Promise<Row[]> {
  const batch = 50;
  const fill = Math.ceil(DEDUP_WINDOW / EVENTS_PER_LIFECYCLE / batch) * batch + batch;
  const warm = Math.max(fill, SETTLED, Math.round(asked / 10 / batch) * batch);
  const n = Math.max(asked, 2 * warm);
  progress(`${n} container lifecycles against a fake engine`);
  const engine = await startFakeEngine();
  const state = await Deno.makeTempDir({ prefix: "rx-bench-lc-" });
  const probe = await startProbe({
    hosts: [{ id: "fake", url: engine.host }],
    needsContainer: true,
    stateDir: state,
    persist: true,
  });
  try {
    let calls = Number((await probe.stats()).calls);
    let rssWarm = NaN, heapWarm = NaN;
    const peak = [0, 0];
    for (let done = 0; done < n; done += batch) {
      for (let i = done; i < done + batch; i++) {
        const c = engine.create(`life${i}`, { "com.example.i": String(i) });
        engine.start(c.id);
        engine.stop(c.id);
        engine.destroy(c.id);
      }
      calls += batch * EVENTS_PER_LIFECYCLE;
      // keep the engine's queue short, as a real daemon's pace would
      let s = await probe.stats();
      for (; Number(s.calls) < calls; s = await probe.stats()) {
        await new Promise((r) => setTimeout(r, 10));
      }
      // the envelope: the highest resident set in each half after the warm-up
      if (done >= warm) {
        const half = done < warm + (n - warm) / 2 ? 0 : 1;
        peak[half] = Math.max(peak[half]!, Number(s.rss));
      }
      if (done + batch === warm) {
        const w = await settledStats(probe);
        rssWarm = Number(w.rss);
        heapWarm = Number(w.heapUsed);
      }
    }
    const end = await settledStats(probe);
    await probe.stop();
    const saved = JSON.parse(await Deno.readTextFile(`${state}/hosts/fake.json`));
    const left = Number(end.inventory) + Object.keys(saved.started ?? {}).length;
    return [
      {
        metric: `peak RSS, lifecycles ${(n + warm) / 2}–${n}`,
        reactor: peak[1]!,
        baseline: peak[0]!,
        unit: "MiB",
        baselineName: `peak RSS, lifecycles ${warm}–${(n + warm) / 2} (after the warm-up)`,
        target: { ratio: 1.1 },
      },
      {
        metric: `RSS after ${n} container lifecycles`,
        reactor: Number(end.rss),
        baseline: rssWarm,
        unit: "MiB",
        baselineName: `after ${warm} (warm-up: windows full); the allocator may return memory`,
      },
      {
        metric: `live JS heap after ${n} container lifecycles`,
        reactor: Number(end.heapUsed),
        baseline: heapWarm,
        unit: "MiB",
        baselineName: `after ${warm} (warm-up), after a full GC`,
      },
      {
        metric: `inventory entries + handled-start records left after ${n} removed containers`,
        reactor: left,
        baseline: NaN,
        unit: "",
        baselineName: "",
        target: { max: 0 },
      },
    ];
  } finally {
    await probe.stop();
    await engine.close();
    await Deno.remove(state, { recursive: true }).catch(() => {});
  }
}
