/**
 * The HAProxy balancer against real programs: Debian's haproxy (master-worker, private socket),
 * busybox httpd containers on a private dockerd, curl as the client. Routing by Host, by prefix,
 * with prefix stripping, by weight; a stopped container leaves the pool; an injected label is
 * refused while the rest keeps working; a broken template keeps the old config.
 */
import assert from "node:assert/strict";
import { startDockerd } from "../harness/dockerd.ts";
import { curlMany, freePort, tally } from "../harness/haproxy.ts";
import { balancerFor, containers, runWeb, startEmptyHaproxy } from "./_backends.ts";

Deno.test("HaproxyBalancer routes by host, prefix and weight through a real HAProxy", async (t) => {
  const d = await startDockerd();
  const h = await startEmptyHaproxy().catch(async (err) => {
    await d.close();
    throw err;
  });
  const wwwRoot = await Deno.makeTempDir({ prefix: "rx-haproxy-www-" });
  const port = freePort();
  const url = `http://127.0.0.1:${port}/`;
  const { balancer, log } = balancerFor(h);
  const p = String(port);
  try {
    await runWeb(d, "a1", { port, wwwRoot, labels: { [`glue_http_${p}_host`]: "a.test" } });
    await runWeb(d, "b1", {
      port,
      wwwRoot,
      labels: { [`glue_http_${p}_host`]: "b.test", [`glue_http_${p}_weight`]: "100" },
    });
    await runWeb(d, "b2", {
      port,
      wwwRoot,
      labels: { [`glue_http_${p}_host`]: "b.test", [`glue_http_${p}_weight`]: "25" },
    });
    await runWeb(d, "api1", {
      port,
      wwwRoot,
      labels: {
        [`glue_http_${p}_host`]: "a.test",
        [`glue_http_${p}_prefix`]: "api",
        [`glue_http_${p}_strip_prefix`]: "1",
      },
    });
    await runWeb(d, "keep1", {
      port,
      wwwRoot,
      labels: { [`glue_http_${p}_host`]: "k.test", [`glue_http_${p}_prefix`]: "api" },
    });

    await t.step("the first update reloads HAProxy with every route", async () => {
      const before = await h.workerPid();
      const r = await balancer.update(await containers(d));
      assert.equal(r.action, "reload", JSON.stringify(r));
      assert.deepEqual(r.warnings, []);
      assert.notEqual(await h.workerPid(), before);
      // the config on disk is the one HAProxy runs, and the last good copy equals it
      const text = await Deno.readTextFile(h.configFile);
      assert.equal(await Deno.readTextFile(`${h.configFile}.last-good`), text);
      assert.equal((await balancer.update(await containers(d))).action, "none");
    });

    await t.step("requests are routed by Host", async () => {
      await waitUntil(async () => (await curlMany(url, 1, { host: "a.test" }))[0]?.body === "a1 /");
      const a = await curlMany(url, 20, { host: "a.test" });
      assert.deepEqual([...tally(a)], [["a1 /", 20]]);
      const unknown = await curlMany(url, 3, { host: "nobody.test" });
      assert.ok(unknown.every((x) => x.code === 503), JSON.stringify(unknown));
    });

    await t.step("a prefix routes to its backend; strip_prefix removes it", async () => {
      const stripped = await curlMany(`${url}api/`, 5, { host: "a.test" });
      assert.deepEqual([...tally(stripped)], [["api1 /", 5]]);
      const kept = await curlMany(`${url}api/`, 5, { host: "k.test" });
      assert.deepEqual([...tally(kept)], [["keep1 /api/", 5]]);
      // `/apix` is not under the prefix `api`
      const other = await curlMany(`${url}apix`, 2, { host: "a.test" });
      assert.ok(
        other.every((x) => x.body.startsWith("a1") || x.code === 404),
        JSON.stringify(other),
      );
    });

    await t.step("weights split the traffic (100:25 over 200 requests)", async () => {
      await waitUntil(async () => tally(await curlMany(url, 10, { host: "b.test" })).size === 2);
      const hits = await curlMany(url, 200, { host: "b.test" });
      const n = tally(hits);
      assert.equal(hits.length, 200);
      assert.ok(hits.every((x) => x.code === 200));
      // expected 160:40; roundrobin is deterministic, allow ±10
      const b1 = n.get("b1 /") ?? 0, b2 = n.get("b2 /") ?? 0;
      assert.ok(Math.abs(b1 - 160) <= 10 && Math.abs(b2 - 40) <= 10, `b1=${b1} b2=${b2}`);
    });

    await t.step(
      "replacing a container with a new weight goes through the Runtime API",
      async () => {
        await d.docker("rm", "-f", "b2");
        await runWeb(d, "b2", {
          port,
          wwwRoot,
          labels: { [`glue_http_${p}_host`]: "b.test", [`glue_http_${p}_weight`]: "100" },
        });
        const pid = await h.workerPid();
        const r = await balancer.update(await containers(d));
        assert.equal(r.action, "runtime", JSON.stringify(r));
        assert.equal(await h.workerPid(), pid);
        await waitUntil(async () => tally(await curlMany(url, 10, { host: "b.test" })).size === 2);
        const n = tally(await curlMany(url, 200, { host: "b.test" }));
        const b1 = n.get("b1 /") ?? 0, b2 = n.get("b2 /") ?? 0;
        assert.ok(Math.abs(b1 - 100) <= 10 && Math.abs(b2 - 100) <= 10, `b1=${b1} b2=${b2}`);
      },
    );

    await t.step("a stopped container leaves the pool", async () => {
      await d.docker("rm", "-f", "b1");
      const pid = await h.workerPid();
      const r = await balancer.update(await containers(d));
      assert.equal(r.action, "runtime", JSON.stringify(r));
      assert.ok(r.ops?.some((o) => o.startsWith("del ")), JSON.stringify(r.ops));
      assert.equal(await h.workerPid(), pid);
      const hits = await curlMany(url, 30, { host: "b.test" });
      assert.deepEqual([...tally(hits)], [["b2 /", 30]]);
      const state = await h.api.showServersState();
      assert.ok(!state.some((s) => s.server.startsWith("b1_")), "b1 is gone from HAProxy");
      assert.ok(!(await Deno.readTextFile(h.configFile)).includes("server b1_"));
    });

    await t.step(
      "an injected label is refused with one warning; the rest keeps working",
      async () => {
        await runWeb(d, "evil", {
          port,
          wwwRoot,
          labels: {
            [`glue_http_${p}_host`]: "a.test\n    server pwned 127.0.0.1:22",
            [`glue_http_${p}_weight`]: "256",
          },
        });
        const r = await balancer.update(await containers(d));
        assert.equal(r.action, "none", JSON.stringify(r));
        assert.equal(r.warnings.length, 1);
        assert.equal(r.warnings[0]!.container, "evil");
        assert.equal(r.warnings[0]!.label, `glue_http_${p}_host`);
        assert.match(r.warnings[0]!.message, /newline, which could inject HAProxy configuration/);
        const warned = log.records.filter((x) => x.level === "warn" && x.message.includes("evil"));
        assert.equal(warned.length, 1);
        const text = await Deno.readTextFile(h.configFile);
        assert.ok(
          !text.includes("pwned") && !text.includes("evil"),
          "nothing of it reached the file",
        );
        assert.deepEqual([...tally(await curlMany(url, 5, { host: "a.test" }))], [["a1 /", 5]]);
        // the same warning is not logged again on the next update
        await balancer.update(await containers(d));
        assert.equal(
          log.records.filter((x) => x.level === "warn" && x.message.includes("evil")).length,
          1,
        );
      },
    );
  } finally {
    await balancer.close();
    await h.close();
    await d.close();
    await Deno.remove(wwwRoot, { recursive: true }).catch(() => {});
  }
});

async function waitUntil(fn: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await fn().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error("Timed out waiting for HAProxy to route");
    await new Promise((r) => setTimeout(r, 100));
  }
}
