/**
 * No dropped request, through the REAL daemon: a curl loop of at least 2,000 requests (each on a
 * new connection) runs while 20 backends start and then stop (`docker stop`, with a 2 s graceful
 * stop) in a burst. reactor drains a container from HAProxy on the `kill` that `docker stop`
 * sends, before its process exits. Churn in an existing backend goes through the Runtime API (no
 * reload); a burst that needs a new backend reloads at most twice. HAProxy's own log counts the
 * reloads ("New worker … forked").
 */
import assert from "node:assert/strict";
import { startDockerd } from "../harness/dockerd.ts";
import { curlMany, freePort, type Hit, tally } from "../harness/haproxy.ts";
import { startDeno } from "../harness/process.ts";
import { runWeb, startEmptyHaproxy } from "./_backends.ts";

const BURST = 20;
const MIN_REQUESTS = 2000;

/** Requests in batches until `done()` and at least `min` were made (bounded: 90 s, 40k). */
async function clientLoop(url: string, host: string, done: () => boolean): Promise<Hit[]> {
  const hits: Hit[] = [];
  const stopAt = Date.now() + 90_000;
  while ((!done() || hits.length < MIN_REQUESTS) && hits.length < 40_000 && Date.now() < stopAt) {
    hits.push(...await curlMany(url, 100, { host }));
  }
  return hits;
}

async function pool<T>(items: T[], n: number, fn: (x: T) => Promise<unknown>): Promise<void> {
  const q = [...items];
  await Promise.all(Array.from({ length: n }, async () => {
    for (let x = q.shift(); x !== undefined; x = q.shift()) await fn(x);
  }));
}

function forked(log: string): number {
  return (log.match(/New worker \(\d+\) forked/g) ?? []).length;
}

async function waitFor(fn: () => Promise<boolean>, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await fn().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

Deno.test("reactor run drops no request while 20 backends start and stop", async (t) => {
  const d = await startDockerd();
  const h = await startEmptyHaproxy().catch(async (err) => {
    await d.close();
    throw err;
  });
  const dir = await Deno.makeTempDir({ prefix: "rx-haproxy-hitless-" });
  const wwwRoot = `${dir}/www`;
  const port = freePort();
  const p = String(port);
  const url = `http://127.0.0.1:${port}/`;
  await Deno.writeTextFile(
    `${dir}/reactor.yaml`,
    `hooks:\n  haproxy:\n    configFile: ${h.configFile}\n    statsSocket: ${h.statsSocket}\n` +
      `    masterPidFile: ${h.pidFile}\n    bindAddress: 127.0.0.1\n    wait: 200ms..2s\n`,
  );
  const reactor = startDeno("main.ts", [
    "run",
    "--host",
    d.host,
    "--state-dir",
    `${dir}/state`,
    "--scripts-dir",
    dir,
    "--config",
    `${dir}/reactor.yaml`,
  ]);
  const reloads = () => (reactor.output().match(/HAProxy reloaded/g) ?? []).length;
  const web = (name: string, host: string) =>
    runWeb(d, name, { port, wwwRoot, labels: { [`glue_http_${p}_host`]: host }, graceSeconds: 2 });
  try {
    await reactor.waitForOutput(/Connected to/);
    await web("base1", "app.test");
    await web("base2", "app.test");
    await waitFor(
      async () => tally(await curlMany(url, 10, { host: "app.test" })).size === 2,
      "app.test served by base1 and base2",
    );

    await t.step("server churn in an existing backend: Runtime API only, no reload", async () => {
      const forkedBefore = forked(h.log());
      const pidBefore = await h.workerPid();
      const reloadsBefore = reloads();
      const names = Array.from({ length: BURST }, (_, i) => `churn${i + 1}`);
      let churnDone = false;
      let hits: Hit[] = [];
      const loop = clientLoop(url, "app.test", () => churnDone);
      try {
        await pool(names, 4, (name) => web(name, "app.test"));
        // the new servers pass their health check and take traffic
        await waitFor(
          async () => [...tally(await curlMany(url, 60, { host: "app.test" })).keys()].length > 10,
          "most churn backends serving",
        );
        // docker stop: the kill drains each from HAProxy, the process exits 2 s later
        await d.docker("stop", "-t", "10", ...names);
        await d.docker("rm", ...names);
      } finally {
        churnDone = true;
        hits = await loop;
      }
      const failed = hits.filter((x) => x.code !== 200);
      assert.ok(hits.length >= MIN_REQUESTS, `only ${hits.length} requests`);
      assert.deepEqual(failed, [], `${failed.length} of ${hits.length} failed`);
      assert.ok([...tally(hits).keys()].some((b) => b.startsWith("churn")), "churn got traffic");
      assert.equal(
        reloads(),
        reloadsBefore,
        `no reload; the daemon said:\n${
          reactor.output().split("\n").filter((l) => /haproxy|HAProxy|Runtime/.test(l)).slice(-30)
            .join("\n")
        }`,
      );
      assert.equal(forked(h.log()), forkedBefore, "HAProxy forked no new worker");
      assert.equal(await h.workerPid(), pidBefore);
      await waitFor(async () => {
        const state = await h.api.showServersState();
        const app = state.filter((s) => s.backend.includes("app.test"));
        return app.map((s) => s.server.split("_")[0]).join() === "base1,base2";
      }, "only base1 and base2 left in HAProxy");
    });

    await t.step("a burst that needs a new backend reloads at most twice, seamlessly", async () => {
      const forkedBefore = forked(h.log());
      const reloadsBefore = reloads();
      const names = Array.from({ length: BURST }, (_, i) => `new${i + 1}`);
      let burstDone = false;
      let hits: Hit[] = [];
      const loop = clientLoop(url, "app.test", () => burstDone);
      try {
        await pool(names, 4, (name) => web(name, "new.test"));
        let seen = new Set<string>();
        await waitFor(async () => {
          seen = new Set([...seen, ...tally(await curlMany(url, 40, { host: "new.test" })).keys()]);
          return seen.size === BURST;
        }, "every new container serving new.test");
      } finally {
        burstDone = true;
        hits = await loop;
      }
      const failed = hits.filter((x) => x.code !== 200);
      const n = reloads() - reloadsBefore;
      assert.ok(hits.length >= MIN_REQUESTS, `only ${hits.length} requests`);
      assert.deepEqual(failed, [], `${failed.length} of ${hits.length} failed`);
      assert.ok(n >= 1 && n <= 2, `reloads: ${n}`);
      assert.equal(forked(h.log()) - forkedBefore, n, h.log().slice(-2000));
    });
  } finally {
    reactor.kill("SIGTERM");
    const code = await reactor.wait();
    await h.close();
    await d.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    assert.equal(code, 0, reactor.output().slice(-3000));
  }
});
