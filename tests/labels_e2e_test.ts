/**
 * End to end: the real `reactor` CLI (`deno run -A main.ts run|once`, no config file, so the
 * embedded default) against a real private dockerd. Checks kernel state with nsenter/ip.
 */
import assert from "node:assert/strict";
import { startDockerd, waitFor } from "./harness/dockerd.ts";
import { startDeno, type TestProcess } from "./harness/process.ts";
import { exec } from "../lib/exec/run.ts";

async function nsRoutes(pid: number): Promise<string[]> {
  const r = await exec(["nsenter", "-t", String(pid), "-n", "ip", "-j", "route"]);
  return (JSON.parse(r.stdout || "[]") as { dst: string }[]).map((x) => x.dst);
}

async function hostHas(dst: string): Promise<boolean> {
  const r = await exec(["ip", "-j", "route", "show", dst]);
  return (JSON.parse(r.stdout || "[]") as unknown[]).length > 0;
}

async function stopReactor(p: TestProcess): Promise<string> {
  p.kill("SIGTERM");
  const code = await p.wait();
  assert.equal(code, 0, p.output().slice(-2000));
  return p.output();
}

Deno.test("reactor run/once with no config applies labels, runs scripts, cleans host routes", async (t) => {
  const d = await startDockerd();
  const N = d.index;
  const stateDir = await Deno.makeTempDir({ prefix: "rx-e2e-state-" });
  const scriptsDir = await Deno.makeTempDir({ prefix: "rx-e2e-scripts-" });
  await Deno.chmod(scriptsDir, 0o755);
  const hostDst = `10.249.${N}.0/24`;
  const hostDst2 = `10.248.${N}.0/24`;
  const args = (cmd: string) => [
    cmd,
    "--host",
    d.host,
    "--state-dir",
    stateDir,
    "--scripts-dir",
    scriptsDir,
    "--log-format",
    "json",
  ];
  let reactor: TestProcess | undefined;
  try {
    await Deno.writeTextFile(
      `${scriptsDir}/start.e2e-web`,
      `#!/bin/sh\necho "$REACTOR_ACTION $REACTOR_CONTAINER_NAME $REACTOR_CONTAINER_PID" >> ${scriptsDir}/ran\necho script-said-hi\n`,
    );
    await Deno.chmod(`${scriptsDir}/start.e2e-web`, 0o755);

    await t.step(
      "a container started while reactor runs gets routes, address, host route, script",
      async () => {
        reactor = startDeno("main.ts", args("run"));
        await reactor.waitForOutput(/Connected to/);
        await d.runContainer("e2e-web", {
          labels: {
            "docker-events.route": "add 10.91.0.0/16 dev eth0; add 10.92.0.0/16 dev eth0",
            "docker-events.address": "add 10.93.0.7/32 dev eth0",
            "docker-events.host-route": `add ${hostDst} dev ${d.bridge}`,
          },
        });
        const pid = await d.pidOf("e2e-web");
        await waitFor(async () => (await nsRoutes(pid)).includes("10.92.0.0/16"), {
          what: "routes in the container",
        });
        await waitFor(() => hostHas(hostDst), { what: "host route" });
        const ran = await waitFor(() => Deno.readTextFile(`${scriptsDir}/ran`).catch(() => ""), {
          what: "script ran",
        });
        assert.equal(ran.trim(), `start e2e-web ${pid}`);
        await reactor.waitForOutput(/script-said-hi/);
        const addr = await exec([
          "nsenter",
          "-t",
          String(pid),
          "-n",
          "ip",
          "-br",
          "addr",
          "show",
          "eth0",
        ]);
        assert.match(addr.stdout, /10\.93\.0\.7\/32/);
      },
    );

    await t.step(
      "a labelled container that exits immediately does not disturb reactor",
      async () => {
        await d.runContainer("e2e-exit", {
          cmd: ["true"],
          labels: { "docker-events.route": "add 10.95.0.0/16 dev eth0" },
        });
        await reactor!.waitForOutput(/"container":"e2e-exit"/);
        // still alive and still working
        await d.runContainer("e2e-after", {
          labels: { "docker-events.route": "add 10.96.0.0/16 dev eth0" },
        });
        const pid = await d.pidOf("e2e-after");
        await waitFor(async () => (await nsRoutes(pid)).includes("10.96.0.0/16"), {
          what: "route after the exited container",
        });
      },
    );

    await t.step("docker stop removes the host route", async () => {
      await d.docker("stop", "-t", "1", "e2e-web");
      await waitFor(async () => !(await hostHas(hostDst)), { what: "host route removed" });
      await d.docker("start", "e2e-web");
      await waitFor(() => hostHas(hostDst), { what: "host route back after start" });
    });

    await t.step(
      "a reactor restart re-applies idempotently and cleans up what stopped meanwhile",
      async () => {
        let out = await stopReactor(reactor!);
        assert.doesNotMatch(out, /"level":"error"/, out.slice(-2000));
        // while reactor is down: a new labelled container, and the old one stops
        await d.runContainer("e2e-late", {
          labels: { "docker-events.host-route": `add ${hostDst2} dev ${d.bridge}` },
        });
        await d.docker("stop", "-t", "1", "e2e-web");
        assert.ok(await hostHas(hostDst), "nobody removed it yet");
        reactor = startDeno("main.ts", args("run"));
        await waitFor(async () => !(await hostHas(hostDst)), { what: "missed stop cleaned up" });
        await waitFor(() => hostHas(hostDst2), { what: "missed start applied" });
        await d.docker("start", "e2e-web");
        await waitFor(() => hostHas(hostDst), { what: "host route back" });
        await new Promise((r) => setTimeout(r, 300));
        out = await stopReactor(reactor!);
        reactor = undefined;
        assert.doesNotMatch(out, /"level":"error"/, out.slice(-2000));
        // the running labelled container was re-asserted on startup, without failures
        const reapplied = out.split("\n").filter((l) => l.startsWith("{"))
          .map((l) => JSON.parse(l))
          .find((l) => l.message === "Networking labels processed" && l.container === "e2e-after");
        assert.ok(reapplied, out.slice(-2000));
        assert.equal(reapplied.failed, 0);
      },
    );

    await t.step(
      "reactor once re-applies with exit 0, and exits 1 when a label part fails",
      async () => {
        const once = startDeno("main.ts", args("once"));
        assert.equal(await once.wait(), 0, once.output().slice(-2000));
        await d.runContainer("e2e-bad", {
          labels: { "docker-events.route": "add 10.94.0.0/16 dev eth0; add bogus words here" },
        });
        const bad = startDeno("main.ts", args("once"));
        assert.equal(await bad.wait(), 1, bad.output().slice(-2000));
        const lines = bad.output().split("\n").filter((l) => l.startsWith("{"))
          .map((l) => JSON.parse(l));
        const partErr = lines.find((l) => l.level === "error" && l.label === "docker-events.route");
        assert.ok(partErr, bad.output().slice(-2000));
        assert.equal(partErr.container, "e2e-bad");
        assert.equal(partErr.cmd, "ip route replace bogus words here");
        assert.ok((await nsRoutes(await d.pidOf("e2e-bad"))).includes("10.94.0.0/16"));
      },
    );
  } finally {
    if (reactor) {
      reactor.kill("SIGKILL");
      await reactor.wait();
    }
    for (const dst of [hostDst, hostDst2]) {
      await exec(["ip", "route", "del", dst], { okCodes: [0, 1, 2] });
    }
    await d.close();
    await Deno.remove(stateDir, { recursive: true }).catch(() => {});
    await Deno.remove(scriptsDir, { recursive: true }).catch(() => {});
  }
});
