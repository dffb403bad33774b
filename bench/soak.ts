/**
 * Soak (`BENCH_SOAK=1`): thousands of real container lifecycles (`docker run -d`, then
 * `docker rm -f`) on a private dockerd with reactor (`probe.ts`, a hook that needs the
 * container) following: every start must be handled exactly once, and resident memory at the
 * end must stay within 10% of the one after a warm-up (full GC before both).
 *
 * @module
 */
import type { TestDockerd } from "../tests/harness/dockerd.ts";
import { progress, settledStats } from "./child.ts";
import { pool, startProbe } from "./latency.ts";
import type { Row } from "./table.ts";

/** Soak rows for `n` lifecycles. */
export async function soakBench(d: TestDockerd, n: number): Promise<Row[]> {
  progress(`soak: ${n} real container lifecycles`);
  const state = await Deno.makeTempDir({ prefix: "rx-bench-soak-" });
  const probe = await startProbe({
    hosts: [{ id: "default", url: d.host }],
    needsContainer: true,
    actions: ["start"],
    verbose: true,
    stateDir: state,
    persist: true,
  });
  try {
    const warm = Math.max(20, Math.round(n / 10));
    const ids: string[] = [];
    const lifecycle = async (i: number) => {
      const id = await d.runContainer(`soak${i}`, { cmd: ["sleep", "600"] });
      ids.push(id);
      await d.docker("rm", "-f", id);
    };
    await pool(Array.from({ length: warm }, (_, i) => i), 8, lifecycle);
    const warmStats = await settledStats(probe);
    const rssWarm = Number(warmStats.rss);
    await pool(Array.from({ length: n - warm }, (_, i) => warm + i), 8, async (i) => {
      await lifecycle(i);
      if (i % 200 === 0) progress(`soak: ${i}/${n}`);
    });
    // every start seen by the daemon must reach the hook once
    for (const id of ids) {
      await probe.next((l) => l.t === "h" && l.id === id, { timeoutMs: 60_000 });
    }
    const end = await settledStats(probe);
    const count = new Map<string, number>();
    for (const l of probe.lines) {
      if (l.t === "h") count.set(String(l.id), (count.get(String(l.id)) ?? 0) + 1);
    }
    const wrong = ids.filter((id) => count.get(id) !== 1).length;
    return [
      {
        metric: `soak: starts not handled exactly once (${n} real lifecycles)`,
        reactor: wrong,
        baseline: NaN,
        unit: "",
        baselineName: "",
        target: { max: 0 },
      },
      {
        metric: `soak: RSS after ${n} real lifecycles`,
        reactor: Number(end.rss),
        baseline: rssWarm,
        unit: "MiB",
        baselineName: `after ${warm} (warm-up); both once memory settled`,
        target: { ratio: 1.1 },
      },
      {
        metric: `soak: live JS heap after ${n} real lifecycles`,
        reactor: Number(end.heapUsed),
        baseline: Number(warmStats.heapUsed),
        unit: "MiB",
        baselineName: `after ${warm} (warm-up), after a full GC`,
      },
    ];
  } finally {
    await probe.stop();
    await Deno.remove(state, { recursive: true }).catch(() => {});
  }
}
