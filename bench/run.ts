/**
 * `deno task bench`: reactor against baselines measured in the same run, on private dockerds
 * and fake engines; every row says its target and whether it is met. Sections:
 *
 * 1. `latency`: event → handler (p50/p99) vs a bare `/events` reader, with a hook that needs only
 *    the event and with one that needs the container (vs a bare reader that inspects too), and
 *    the drain of a burst of starts (`latency.ts`).
 * 2. `rss`: idle resident memory of `reactor run` vs an idle bare reader.
 * 3. `route`: start → label route in the netns vs the limit program and the seed's shell loop
 *    (`route.ts`).
 * 4. `matcher`: `Deno.bench` of 1,000 events through 100 YAML rules (`matcher.bench.ts`).
 * 5. `throughput`: a burst of 1,000 events from a fake engine, order checked (`throughput.ts`).
 * 6. `engines`: one reactor, many engines (`engines.ts`).
 * 7. `containers`: resync of many running containers, thousands of lifecycles
 *    (`containers.ts`).
 * 8. `soak` (only with `BENCH_SOAK=1`): thousands of real lifecycles (`soak.ts`).
 * 9. `extras`: every `bench/*_bench.ts` module exporting `bench(d)` (HAProxy start → first
 *    answered request vs Glue's re-render, config loading at scale).
 *
 * `BENCH_PROFILE=<dir>` records a CPU profile of every reactor probe process into `<dir>` and
 * prints the heaviest functions of each after the table.
 *
 * `BENCH_SCALE=0.1` is a quick smoke run (smaller samples); `BENCH_ONLY=latency,route` runs only
 * the named sections. Reactor and every baseline run as processes of their own.
 *
 * @module
 */
import { startDockerd, type TestDockerd } from "../tests/harness/dockerd.ts";
import { startDeno } from "../tests/harness/process.ts";
import { progress, rssOf, startJsonChild } from "./child.ts";
import { lifecyclesBench, resyncBench } from "./containers.ts";
import { enginesBench } from "./engines.ts";
import { latencyBench } from "./latency.ts";
import { routeBench } from "./route.ts";
import { soakBench } from "./soak.ts";
import { type CpuProfile, formatSummary, summarize } from "./profile.ts";
import { type Row, table } from "./table.ts";
import { throughputBench } from "./throughput.ts";

const SCALE = Number(Deno.env.get("BENCH_SCALE") ?? 1);
const ONLY = Deno.env.get("BENCH_ONLY")?.split(",").map((s) => s.trim()).filter(Boolean);
const SOAK = Deno.env.get("BENCH_SOAK") === "1";
const n = (full: number, min: number) => Math.max(min, Math.round(full * SCALE));

async function idleRss(d: TestDockerd): Promise<Row[]> {
  progress("idle RSS");
  const state = await Deno.makeTempDir({ prefix: "rx-bench-rss-" });
  const r = startDeno("main.ts", ["-H", d.host, "--state-dir", state, "run"]);
  const b = startJsonChild("bench/bare_reader.ts", [d.socket]);
  try {
    await r.waitForOutput(/Connected to/);
    await b.next((l) => l.t === "up");
    await new Promise((res) => setTimeout(res, 5000));
    return [{
      metric: "idle RSS",
      reactor: await rssOf(r.pid),
      baseline: await b.rss(),
      unit: "MiB",
      baselineName: "idle bare reader process",
      target: { ratio: 1.2 },
    }];
  } finally {
    r.kill("SIGTERM");
    await Promise.all([r.wait(), b.stop()]);
    await Deno.remove(state, { recursive: true });
  }
}

async function matcher(): Promise<Row[]> {
  progress("matcher micro-bench (deno bench)");
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["bench", "-A", "--json", "bench/matcher.bench.ts"],
    cwd: new URL("..", import.meta.url).pathname,
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const json = JSON.parse(new TextDecoder().decode(out.stdout));
  const avgNs = Number(json.benches?.[0]?.results?.[0]?.ok?.avg);
  return [{
    metric: "matcher: events through 100 YAML rules (globs, regexes), one core",
    reactor: 1000 / (avgNs / 1e9),
    baseline: NaN,
    unit: "ev/s",
    baselineName: "",
    target: { min: 200_000 },
  }];
}

const wanted = (name: string) => !ONLY || ONLY.includes(name);

if (import.meta.main) {
  const rows: Row[] = [];
  const needsDockerd = ["latency", "rss", "route", "engines", "extras"].some(wanted) || SOAK;
  const d = needsDockerd ? await startDockerd() : undefined;
  const extra: TestDockerd[] = [];
  try {
    if (d && wanted("latency")) rows.push(...await latencyBench(d, n(40, 4), n(100, 5)));
    if (d && wanted("rss")) rows.push(...await idleRss(d));
    if (d && wanted("route")) rows.push(...await routeBench(d, n(20, 3)));
    if (wanted("matcher")) rows.push(...await matcher());
    if (wanted("throughput")) rows.push(...await throughputBench(SCALE < 0.5 ? 2 : 5));
    if (d && wanted("engines")) {
      if (SCALE >= 0.5) extra.push(await startDockerd({ image: false }));
      rows.push(...await enginesBench([d, ...extra], n(50, 5), n(200, 20)));
    }
    if (wanted("containers")) {
      rows.push(...await resyncBench(n(1000, 100)));
      rows.push(...await lifecyclesBench(n(5000, 500)));
    }
    if (d && SOAK) rows.push(...await soakBench(d, n(2000, 100)));
    if (d && wanted("extras")) {
      for await (const e of Deno.readDir(new URL(".", import.meta.url))) {
        if (!e.name.endsWith("_bench.ts")) continue;
        const mod = await import(new URL(e.name, import.meta.url).href);
        if (typeof mod.bench !== "function") continue;
        progress(e.name);
        rows.push(...await mod.bench(d));
      }
    }
  } finally {
    for (const x of extra) await x.close();
    await d?.close();
  }
  // deno-lint-ignore no-console
  console.log(table(rows));
  const profiles = Deno.env.get("BENCH_PROFILE");
  if (profiles) {
    for await (const e of Deno.readDir(profiles)) {
      if (!e.name.endsWith(".cpuprofile")) continue;
      const p = JSON.parse(await Deno.readTextFile(`${profiles}/${e.name}`)) as CpuProfile;
      // deno-lint-ignore no-console
      console.log(`\n${e.name}\n${formatSummary(summarize(p, 20))}`);
    }
  }
}
