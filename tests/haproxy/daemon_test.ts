/**
 * The HAProxy hook through the REAL daemon (`reactor run` with `hooks: { haproxy: … }` in a
 * reactor.yaml) against a private HAProxy and busybox httpd containers on a private dockerd:
 * containers with `glue_http_*` labels become reachable, a stopped one leaves, health gating
 * follows `health_status` events, an injected label is refused with one warning while the rest
 * keeps working, and a broken user template keeps the old config until it is fixed.
 */
import assert from "node:assert/strict";
import { startDockerd } from "../harness/dockerd.ts";
import { curlMany, freePort, tally } from "../harness/haproxy.ts";
import { startDeno, type TestProcess } from "../harness/process.ts";
import { BUILTIN_TEMPLATE } from "../../lib/haproxy/render.ts";
import { runWeb, startEmptyHaproxy } from "./_backends.ts";

async function waitFor(
  fn: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await Promise.resolve().then(fn).catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Lines of the daemon's JSON log whose message matches. */
function logged(p: TestProcess, re: RegExp): Record<string, unknown>[] {
  return p.output().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l))
    .filter((r) => re.test(String(r.message)));
}

Deno.test("reactor run with hooks.haproxy routes labelled containers through a real HAProxy", async (t) => {
  const d = await startDockerd();
  const h = await startEmptyHaproxy().catch(async (err) => {
    await d.close();
    throw err;
  });
  const dir = await Deno.makeTempDir({ prefix: "rx-haproxy-daemon-" });
  const wwwRoot = `${dir}/www`;
  const template = `${dir}/tpl/haproxy.cfg.njk`;
  await Deno.mkdir(`${dir}/tpl`, { recursive: true });
  await Deno.writeTextFile(template, `# user template\n${BUILTIN_TEMPLATE}`);
  const port = freePort();
  const p = String(port);
  const url = `http://127.0.0.1:${port}/`;
  await Deno.writeTextFile(
    `${dir}/reactor.yaml`,
    [
      "hooks:",
      "  haproxy:",
      `    configFile: ${h.configFile}`,
      `    statsSocket: ${h.statsSocket}`,
      `    masterPidFile: ${h.pidFile}`,
      "    bindAddress: 127.0.0.1",
      "    wait: 50ms..500ms",
      `    templateDir: ${dir}/tpl`,
      "    templateFile: haproxy.cfg.njk",
      "",
    ].join("\n"),
  );
  const reactor = startDeno("main.ts", [
    "run",
    "--host",
    d.host,
    "--state-dir",
    `${dir}/state`,
    "--scripts-dir",
    dir,
    "--log-format",
    "json",
    "--config",
    `${dir}/reactor.yaml`,
  ]);
  const host = (name: string) => ({ [`glue_http_${p}_host`]: name });
  try {
    await t.step(
      "after the first listing the config from the user template is applied",
      async () => {
        await reactor.waitForOutput(/HAProxy reloaded/);
        assert.match(await Deno.readTextFile(h.configFile), /^# user template\n/);
      },
    );

    await t.step("started containers become reachable, by host and by weight", async () => {
      await runWeb(d, "a1", { port, wwwRoot, labels: host("a.test") });
      await runWeb(d, "b1", { port, wwwRoot, labels: host("b.test") });
      await runWeb(d, "b2", {
        port,
        wwwRoot,
        labels: { ...host("b.test"), [`glue_http_${p}_weight`]: "25" },
      });
      await waitFor(
        async () => (await curlMany(url, 1, { host: "a.test" }))[0]?.body === "a1 /",
        "a1 through HAProxy",
      );
      await waitFor(
        async () => tally(await curlMany(url, 10, { host: "b.test" })).size === 2,
        "b1 and b2 through HAProxy",
      );
      const n = tally(await curlMany(url, 100, { host: "b.test" }));
      const b1 = n.get("b1 /") ?? 0, b2 = n.get("b2 /") ?? 0;
      assert.ok(Math.abs(b1 - 80) <= 8 && Math.abs(b2 - 20) <= 8, `b1=${b1} b2=${b2}`);
    });

    await t.step("a stopped container leaves the pool", async () => {
      await d.docker("stop", "-t", "2", "b1");
      await waitFor(
        async () => !(await Deno.readTextFile(h.configFile)).includes("server b1_"),
        "b1 out of the config",
      );
      const state = await h.api.showServersState();
      assert.ok(!state.some((s) => s.server.startsWith("b1_")), "b1 is gone from HAProxy");
      assert.deepEqual([...tally(await curlMany(url, 20, { host: "b.test" }))], [["b2 /", 20]]);
    });

    await t.step("health gating: a container gets traffic only once healthy", async () => {
      // healthy once /www/ready exists (the test decides when)
      await runWeb(d, "h1", {
        port,
        wwwRoot,
        labels: host("h.test"),
        health: "test -f /www/ready",
      });
      await waitFor(
        async () => (await Deno.readTextFile(h.configFile)).includes("server h1_"),
        "h1 in the config",
      );
      assert.match(await Deno.readTextFile(h.configFile), /server h1_[^\n]* disabled\n/);
      const before = await curlMany(url, 3, { host: "h.test" });
      assert.deepEqual(before.map((x) => x.code), [503, 503, 503], "starting: in maintenance");
      await Deno.writeTextFile(`${wwwRoot}/h1/ready`, "");
      await waitFor(
        async () => (await curlMany(url, 1, { host: "h.test" }))[0]?.body === "h1 /",
        "h1 healthy and routed",
      );
      assert.match(await Deno.readTextFile(h.configFile), /server h1_\S+ [^\n]*check[^\n]*\n/);
      assert.doesNotMatch(await Deno.readTextFile(h.configFile), /server h1_[^\n]* disabled\n/);
    });

    await t.step(
      "an injected label is refused with one warning; the rest keeps working",
      async () => {
        await runWeb(d, "evil", {
          port,
          wwwRoot,
          labels: { [`glue_http_${p}_host`]: "a.test\n    server pwned 127.0.0.1:22" },
        });
        await waitFor(
          () => logged(reactor, /Container "evil" label/).length > 0,
          "the warning",
        );
        await runWeb(d, "a2", { port, wwwRoot, labels: host("a.test") });
        await waitFor(
          async () => tally(await curlMany(url, 10, { host: "a.test" })).size === 2,
          "a1 and a2 through HAProxy",
        );
        const warned = logged(reactor, /Container "evil" label/);
        assert.equal(warned.length, 1, JSON.stringify(warned));
        assert.match(
          String(warned[0]!.message),
          /newline, which could inject HAProxy configuration/,
        );
        const text = await Deno.readTextFile(h.configFile);
        assert.ok(
          !text.includes("pwned") && !text.includes("evil"),
          "nothing of it reached the file",
        );
      },
    );

    await t.step("a broken user template keeps the old config until it is fixed", async () => {
      const before = await Deno.readTextFile(h.configFile);
      const errors = () => logged(reactor, /HAProxy config not applied/).length;
      const seen = errors();
      await Deno.writeTextFile(template, `{% for fe in http %}\nfrontend {{ fe.name }}\n`);
      await runWeb(d, "c1", { port, wwwRoot, labels: host("c.test") });
      await waitFor(() => errors() > seen, "the render error");
      const err = logged(reactor, /HAProxy config not applied/).at(-1)!;
      assert.equal(err.stage, "render");
      assert.equal(await Deno.readTextFile(h.configFile), before);
      assert.equal(tally(await curlMany(url, 10, { host: "a.test" })).size, 2, "still routed");

      await Deno.writeTextFile(template, `# user template, fixed\n${BUILTIN_TEMPLATE}`);
      await d.docker("rm", "-f", "a2"); // the next change retries
      await waitFor(
        async () => (await curlMany(url, 1, { host: "c.test" }))[0]?.body === "c1 /",
        "c1 routed with the fixed template",
      );
      assert.match(await Deno.readTextFile(h.configFile), /^# user template, fixed\n/);
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
