/**
 * No dropped request: a curl loop of at least 2,000 requests (each on a new connection) runs
 * while 20 backends start and stop in a burst. Server churn in existing backends goes through
 * the Runtime API (no reload at all); a burst that needs a new backend reloads HAProxy at most
 * twice (debounce), seamlessly. HAProxy's own log counts the reloads ("New worker … forked").
 */
import assert from "node:assert/strict";
import { startDockerd, type TestDockerd } from "../harness/dockerd.ts";
import { curlMany, freePort, type Hit, tally } from "../harness/haproxy.ts";
import { balancerFor, containers, runWeb, startEmptyHaproxy } from "./_backends.ts";

const BURST = 20;
const MIN_REQUESTS = 2000;

/** Requests in batches until `done()` and at least `min` were made (bounded: 60 s, 40k). */
async function clientLoop(
  url: string,
  host: string,
  done: () => boolean,
): Promise<Hit[]> {
  const hits: Hit[] = [];
  const stopAt = Date.now() + 60_000;
  while ((!done() || hits.length < MIN_REQUESTS) && hits.length < 40_000 && Date.now() < stopAt) {
    hits.push(...await curlMany(url, 100, { host }));
  }
  return hits;
}

/** Run `fn` over items, `n` at a time. */
async function pool<T>(items: T[], n: number, fn: (x: T) => Promise<unknown>): Promise<void> {
  const q = [...items];
  await Promise.all(Array.from({ length: n }, async () => {
    for (let x = q.shift(); x !== undefined; x = q.shift()) await fn(x);
  }));
}

function workersForked(log: string): number {
  return (log.match(/New worker \(\d+\) forked/g) ?? []).length;
}

function failed(hits: Hit[]): Hit[] {
  return hits.filter((h) => h.code !== 200);
}

Deno.test("HaproxyBalancer drops no request while 20 backends start and stop", async (t) => {
  const d: TestDockerd = await startDockerd();
  const h = await startEmptyHaproxy().catch(async (err) => {
    await d.close();
    throw err;
  });
  const wwwRoot = await Deno.makeTempDir({ prefix: "rx-haproxy-www-" });
  const port = freePort();
  const p = String(port);
  const url = `http://127.0.0.1:${port}/`;
  const { balancer } = balancerFor(h, { wait: "200ms..2s" });
  const appLabels = { [`glue_http_${p}_host`]: "app.test" };
  /** Feed the balancer the running containers minus `draining` (as the inventory would). */
  const draining = new Set<string>();
  const feed = async () => {
    const list = (await containers(d)).filter((c) => !draining.has(c.name));
    balancer.schedule(list);
  };
  try {
    await runWeb(d, "base1", { port, wwwRoot, labels: appLabels });
    await runWeb(d, "base2", { port, wwwRoot, labels: appLabels });
    const first = await balancer.update(await containers(d));
    assert.equal(first.action, "reload", JSON.stringify(first));
    const wait = async () => {
      for (let i = 0; i < 100; i++) {
        if ((await curlMany(url, 1, { host: "app.test" }))[0]?.code === 200) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error("app.test never answered");
    };
    await wait();

    await t.step("server churn in an existing backend: Runtime API only, no reload", async () => {
      const forkedBefore = workersForked(h.log());
      const pidBefore = await h.workerPid();
      const reloadsBefore = balancer.stats.reloads;
      const names = Array.from({ length: BURST }, (_, i) => `churn${i + 1}`);
      let churnDone = false;
      let hits: Hit[] = [];
      const loop = clientLoop(url, "app.test", () => churnDone);
      try {
        await pool(names, 4, async (name) => {
          await runWeb(d, name, { port, wwwRoot, labels: appLabels });
          await feed();
        });
        await balancer.idle();
        // let the new servers pass their health checks and take traffic for a moment
        await new Promise((r) => setTimeout(r, 1500));
        // stop them in a burst: drained from HAProxy first, then removed
        for (const n of names) draining.add(n);
        await feed();
        await balancer.idle();
        await pool(names, 4, (name) => d.docker("rm", "-f", name));
        for (const n of names) draining.delete(n);
        await feed();
        await balancer.idle();
      } finally {
        churnDone = true;
        hits = await loop;
      }
      assert.ok(hits.length >= MIN_REQUESTS, `only ${hits.length} requests`);
      assert.deepEqual(failed(hits), [], `${failed(hits).length} of ${hits.length} failed`);
      const seen = [...tally(hits).keys()];
      assert.ok(seen.some((b) => b.startsWith("churn")), `new backends got traffic: ${seen}`);
      assert.equal(balancer.stats.reloads, reloadsBefore, "no reload");
      assert.equal(workersForked(h.log()), forkedBefore, "HAProxy forked no new worker");
      assert.equal(await h.workerPid(), pidBefore);
      assert.ok(balancer.stats.runtime >= 2, `runtime applies: ${balancer.stats.runtime}`);
      const state = await h.api.showServersState();
      assert.deepEqual(
        state.filter((s) => s.backend.includes("app.test")).map((s) => s.server.split("_")[0]),
        ["base1", "base2"],
      );
    });

    await t.step("a burst that needs a new backend reloads at most twice, seamlessly", async () => {
      const forkedBefore = workersForked(h.log());
      const reloadsBefore = balancer.stats.reloads;
      const names = Array.from({ length: BURST }, (_, i) => `new${i + 1}`);
      const newLabels = { [`glue_http_${p}_host`]: "new.test" };
      let burstDone = false;
      let hits: Hit[] = [];
      const loop = clientLoop(url, "app.test", () => burstDone);
      try {
        await pool(names, 4, async (name) => {
          await runWeb(d, name, { port, wwwRoot, labels: newLabels });
          await feed();
        });
        await balancer.idle();
      } finally {
        burstDone = true;
        hits = await loop;
      }
      const reloads = balancer.stats.reloads - reloadsBefore;
      assert.ok(hits.length >= MIN_REQUESTS, `only ${hits.length} requests`);
      assert.deepEqual(failed(hits), [], `${failed(hits).length} of ${hits.length} failed`);
      assert.ok(reloads >= 1 && reloads <= 2, `reloads: ${reloads}`);
      assert.equal(workersForked(h.log()) - forkedBefore, reloads, h.log().slice(-2000));
      // every new container serves new.test in the end
      const deadline = Date.now() + 15_000;
      let seen = new Set<string>();
      while (Date.now() < deadline && seen.size < BURST) {
        seen = new Set([...seen, ...tally(await curlMany(url, 40, { host: "new.test" })).keys()]);
      }
      assert.equal(seen.size, BURST, [...seen].join(","));
    });
  } finally {
    await balancer.close();
    await h.close();
    await d.close();
    await Deno.remove(wwwRoot, { recursive: true }).catch(() => {});
  }
});
