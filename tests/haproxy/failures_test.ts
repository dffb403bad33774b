/**
 * Failure handling against a real HAProxy: a broken user template (Nunjucks error, then a config
 * `haproxy -c` rejects) keeps the old config running; a reload that fails (port taken) leaves
 * HAProxy running its previous config and the next update retries; health gating enables and
 * disables servers through the Runtime API; drift in HAProxy is repaired.
 */
import assert from "node:assert/strict";
import { startDockerd } from "../harness/dockerd.ts";
import { curlMany, freePort, tally } from "../harness/haproxy.ts";
import { balancerFor, containers, runWeb, startEmptyHaproxy } from "./_backends.ts";
import { BUILTIN_TEMPLATE } from "../../lib/haproxy/render.ts";
import type { ContainerInfo, HealthStatus } from "../../lib/reactor.d.ts";

function withHealth(list: ContainerInfo[], name: string, health: HealthStatus): ContainerInfo[] {
  return list.map((c) => c.name === name ? { ...c, health } : c);
}

Deno.test("HaproxyBalancer keeps HAProxy running on the old state when things break", async (t) => {
  const d = await startDockerd();
  const h = await startEmptyHaproxy().catch(async (err) => {
    await d.close();
    throw err;
  });
  const wwwRoot = await Deno.makeTempDir({ prefix: "rx-haproxy-www-" });
  const templateDir = await Deno.makeTempDir({ prefix: "rx-haproxy-tpl-" });
  const template = `${templateDir}/haproxy.cfg.njk`;
  const port = freePort();
  const p = String(port);
  const url = `http://127.0.0.1:${port}/`;
  const labels = { [`glue_http_${p}_host`]: "a.test" };
  await Deno.writeTextFile(template, `# user template\n${BUILTIN_TEMPLATE}`);
  const { balancer, log } = balancerFor(
    h,
    { templateDir, templateFile: "haproxy.cfg.njk" },
    { reloadTimeoutMs: 4000 },
  );
  try {
    await runWeb(d, "a1", { port, wwwRoot, labels });
    const first = await balancer.update(await containers(d));
    assert.equal(first.action, "reload", JSON.stringify(first));
    assert.ok((await Deno.readTextFile(h.configFile)).startsWith("# user template\n"));
    await runWeb(d, "a2", { port, wwwRoot, labels });

    await t.step("a template that does not render keeps the old config", async () => {
      const before = await Deno.readTextFile(h.configFile);
      await Deno.writeTextFile(template, `{% for fe in http %}\nfrontend {{ fe.name }}\n`);
      const r = await balancer.update(await containers(d));
      assert.equal(r.action, "failed");
      assert.equal(r.stage, "render");
      assert.match(
        r.error!,
        /^Cannot render the HAProxy config from template ".*haproxy\.cfg\.njk": .*— fix the template$/,
      );
      assert.ok(!r.error!.includes("\n"), "one line");
      assert.equal(await Deno.readTextFile(h.configFile), before);
      assert.deepEqual([...tally(await curlMany(url, 6, { host: "a.test" }))], [["a1 /", 6]]);
      assert.ok(log.records.some((x) => x.level === "error" && x.message.includes("not applied")));
    });

    await t.step("a config haproxy -c rejects keeps the old config", async () => {
      const before = await Deno.readTextFile(h.configFile);
      await Deno.writeTextFile(
        template,
        BUILTIN_TEMPLATE.replace("defaults http\n", "defaults http\n    no-such-keyword on\n"),
      );
      const r = await balancer.update(await containers(d));
      assert.equal(r.action, "failed");
      assert.equal(r.stage, "validate");
      assert.match(r.error!, /haproxy -c rejected it .*no-such-keyword/);
      assert.match(await Deno.readTextFile(`${h.configFile}.rejected`), /no-such-keyword on/);
      assert.equal(await Deno.readTextFile(h.configFile), before);
      assert.deepEqual([...tally(await curlMany(url, 6, { host: "a.test" }))], [["a1 /", 6]]);
    });

    await t.step("the fixed template applies on the next update", async () => {
      await Deno.writeTextFile(template, `# user template\n${BUILTIN_TEMPLATE}`);
      const r = await balancer.update(await containers(d));
      assert.equal(r.action, "runtime", JSON.stringify(r));
      await waitFor(async () => tally(await curlMany(url, 10, { host: "a.test" })).size === 2);
    });

    await t.step(
      "health gating disables and enables a server through the Runtime API",
      async () => {
        const pid = await h.workerPid();
        const live = await containers(d);
        const off = await balancer.update(withHealth(live, "a2", "starting"));
        assert.equal(off.action, "runtime", JSON.stringify(off));
        assert.ok(
          off.ops?.some((o) => o.startsWith("disable ") && o.includes("/a2_")),
          String(off.ops),
        );
        assert.match(await Deno.readTextFile(h.configFile), /server a2_\S+ .* disabled\n/);
        assert.deepEqual([...tally(await curlMany(url, 10, { host: "a.test" }))], [["a1 /", 10]]);
        const on = await balancer.update(withHealth(live, "a2", "healthy"));
        assert.equal(on.action, "runtime", JSON.stringify(on));
        assert.ok(
          on.ops?.some((o) => o.startsWith("enable ") && o.includes("/a2_")),
          String(on.ops),
        );
        await waitFor(async () => tally(await curlMany(url, 10, { host: "a.test" })).size === 2);
        assert.equal(await h.workerPid(), pid, "no reload");
      },
    );

    await t.step("drift in HAProxy (a weight set by hand) is repaired", async () => {
      const s = (await h.api.showServersState()).find((x) => x.server.startsWith("a1_"))!;
      await h.api.setWeight(s.backend, s.server, 7);
      const r = await balancer.update(await containers(d));
      assert.equal(r.action, "runtime");
      assert.deepEqual(r.ops, [`weight ${s.backend}/${s.server} 100`]);
      const after = (await h.api.showServersState()).find((x) => x.server === s.server)!;
      assert.equal(after.weight, 100);
    });

    await t.step(
      "a reload that fails leaves HAProxy running; the next update retries",
      async () => {
        const taken = freePort();
        const blocker = Deno.listen({ hostname: "127.0.0.1", port: taken });
        const pid = await h.workerPid();
        const before = await Deno.readTextFile(h.configFile);
        try {
          await runWeb(d, "b1", {
            port: taken,
            wwwRoot,
            labels: { [`glue_http_${taken}_host`]: "b.test" },
          });
          const r = await balancer.update(await containers(d));
          assert.equal(r.action, "failed", JSON.stringify(r));
          assert.equal(r.stage, "reload");
          assert.match(r.error!, /keeps its previous config/);
          assert.ok(h.running(), "the master still runs");
          assert.equal(await h.workerPid(), pid, "the old worker still answers");
          assert.equal(await Deno.readTextFile(h.configFile), before, "file put back");
          assert.equal(await Deno.readTextFile(`${h.configFile}.last-good`), before);
          assert.equal(tally(await curlMany(url, 10, { host: "a.test" })).size, 2);
        } finally {
          blocker.close();
        }
        const again = await balancer.update(await containers(d));
        assert.equal(again.action, "reload", JSON.stringify(again));
        assert.notEqual(await h.workerPid(), pid);
        await waitFor(async () =>
          (await curlMany(`http://127.0.0.1:${taken}/`, 1, { host: "b.test" }))[0]?.body === "b1 /"
        );
        assert.equal(tally(await curlMany(url, 10, { host: "a.test" })).size, 2);
      },
    );

    await t.step(
      "a server disabled by a reload is enabled at runtime and stays converged",
      async () => {
        await runWeb(d, "c1", { port, wwwRoot, labels: { [`glue_http_${p}_host`]: "c.test" } });
        const live = await containers(d);
        const r = await balancer.update(withHealth(live, "a2", "unhealthy"));
        assert.equal(r.action, "reload", JSON.stringify(r));
        const a2 = (await h.api.showServersState()).find((x) => x.server.startsWith("a2_"))!;
        assert.equal(a2.maint, true);
        const on = await balancer.update(live);
        assert.equal(on.action, "runtime", JSON.stringify(on));
        assert.deepEqual(on.ops, [`enable ${a2.backend}/${a2.server}`]);
        assert.equal((await balancer.update(live)).action, "none");
        await waitFor(async () => tally(await curlMany(url, 10, { host: "a.test" })).size === 2);
      },
    );
  } finally {
    await balancer.close();
    await h.close();
    await d.close();
    await Deno.remove(wwwRoot, { recursive: true }).catch(() => {});
    await Deno.remove(templateDir, { recursive: true }).catch(() => {});
  }
});

async function waitFor(fn: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await fn().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error("Timed out waiting for HAProxy to route");
    await new Promise((r) => setTimeout(r, 100));
  }
}
