/**
 * Bench helper (for `deno task bench`; the lead registers it as `bench/haproxy_bench.ts`
 * exporting `bench = benchHaproxy`): time from a backend container's start to the first request
 * it answers through HAProxy, for reactor's balancer (Runtime API `add server`, health-checked
 * before it gets traffic) vs a plain render + `haproxy -c` + reload (Docker Glue's way), against
 * the same private HAProxy and dockerd. Samples alternate between the two.
 *
 * Run alone: `deno run -A tests/haproxy/bench_helper.ts [samples]` (as root).
 *
 * @module
 */
// deno-lint-ignore-file no-console
import { startDockerd, type TestDockerd } from "../harness/dockerd.ts";
import { curlMany, freePort } from "../harness/haproxy.ts";
import { exec } from "../../lib/exec/run.ts";
import { balancerModel } from "../../lib/haproxy/labels.ts";
import { builtinRenderer, renderConfig } from "../../lib/haproxy/render.ts";
import { writeInPlace } from "../../lib/haproxy/install.ts";
import { balancerFor, containers, runWeb, startEmptyHaproxy } from "./_backends.ts";
import type { Row } from "../../bench/table.ts";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

/** Poll (no sleep) until `name` answers through HAProxy; ms since `t0`. */
async function firstAnswer(url: string, host: string, name: string, t0: number): Promise<number> {
  const deadline = t0 + 30_000;
  while (performance.now() < deadline) {
    const hits = await curlMany(url, 4, { host });
    if (hits.some((h) => h.body === `${name} /`)) return performance.now() - t0;
  }
  throw new Error(`${name} never answered through HAProxy`);
}

/** Measure both paths `samples` times each; returns bench rows (median ms). */
export async function benchHaproxy(d: TestDockerd, samples = 6): Promise<Row[]> {
  const h = await startEmptyHaproxy();
  const wwwRoot = await Deno.makeTempDir({ prefix: "rx-haproxy-bench-" });
  const port = freePort();
  const url = `http://127.0.0.1:${port}/`;
  const labels = { [`glue_http_${port}_host`]: "bench.test" };
  const { balancer } = balancerFor(h, { wait: "0ms" });
  const runtime: number[] = [];
  const reload: number[] = [];
  try {
    await runWeb(d, "bench-base", { port, wwwRoot, labels });
    await balancer.update(await containers(d));
    for (let i = 0; i < samples; i++) {
      // reactor: Runtime API
      const a = `bench-rt${i}`;
      await runWeb(d, a, { port, wwwRoot, labels });
      let t0 = performance.now();
      const r = await balancer.update(await containers(d));
      if (r.action !== "runtime") {
        throw new Error(`expected a runtime update, got ${JSON.stringify(r)}`);
      }
      runtime.push(await firstAnswer(url, "bench.test", a, t0));
      await d.docker("rm", "-f", a);
      await balancer.update(await containers(d));

      // baseline: render, haproxy -c, write, reload
      const b = `bench-rl${i}`;
      await runWeb(d, b, { port, wwwRoot, labels });
      t0 = performance.now();
      const { model } = balancerModel(await containers(d), {
        statsSocket: h.statsSocket,
        bindAddress: "127.0.0.1",
      });
      const text = await renderConfig(builtinRenderer(), model);
      await Deno.writeTextFile(`${h.dir}/candidate.cfg`, text);
      await exec(["haproxy", "-c", "-q", "-f", `${h.dir}/candidate.cfg`]);
      await writeInPlace(h.configFile, text);
      Deno.kill(h.masterPid, "SIGUSR2");
      reload.push(await firstAnswer(url, "bench.test", b, t0));
      await d.docker("rm", "-f", b);
      await balancer.update(await containers(d)); // back in step with the file
    }
  } finally {
    await balancer.close();
    await h.close();
    await Deno.remove(wwwRoot, { recursive: true }).catch(() => {});
  }
  return [{
    metric: "HAProxy: backend start → first proxied answer (median)",
    reactor: median(runtime),
    baseline: median(reload),
    unit: "ms",
    baselineName: "render + haproxy -c + reload (Docker Glue)",
  }];
}

if (import.meta.main) {
  const d = await startDockerd();
  try {
    const rows = await benchHaproxy(d, Number(Deno.args[0] ?? 6));
    console.log(JSON.stringify(rows, null, 2));
  } finally {
    await d.close();
  }
}
