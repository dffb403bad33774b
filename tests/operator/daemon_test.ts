/**
 * The daemon as an operator meets it (issue 11), against a real private dockerd: one daemon per
 * state directory (flock, released on SIGKILL; `once` refuses beside it), `reactor status` over
 * the state dir's socket, the stop summary's counters, and the log lines an operator reads.
 */
import assert from "node:assert/strict";
import { startDockerd, waitFor } from "../harness/dockerd.ts";
import { startDeno, type TestProcess } from "../harness/process.ts";
import { exec } from "../../lib/exec/run.ts";

const d = await startDockerd();

async function reactor(args: string[], env: Record<string, string> = {}) {
  const p = startDeno("main.ts", args, env);
  const code = await p.wait();
  return { code, out: p.output() };
}

async function stop(p: TestProcess, sig: Deno.Signal = "SIGTERM"): Promise<number> {
  p.kill(sig);
  return await p.wait();
}

Deno.test("one daemon per state directory: a second run and once exit 1 naming the PID; SIGKILL leaves no stale lock", async () => {
  const state = await Deno.makeTempDir({ prefix: "rx-op-lock-" });
  const args = ["-H", d.host, "--state-dir", state];
  let first: TestProcess | undefined;
  try {
    first = startDeno("main.ts", [...args, "run"]);
    await first.waitForOutput(/Connected to/);
    const second = await reactor([...args, "run"]);
    assert.equal(second.code, 1, second.out);
    assert.equal(
      second.out,
      `reactor: Cannot start: another reactor (PID ${first.pid}) is running with state directory ${state} — stop it first (e.g. systemctl stop reactor), or give this one its own --state-dir\n`,
    );
    const once = await reactor([...args, "once"]);
    assert.equal(once.code, 1, once.out);
    assert.match(
      once.out,
      new RegExp(`^reactor: Cannot run once: a reactor daemon \\(PID ${first.pid}\\) is running`),
    );
    // the others do not take the lock
    for (const cmd of [["check"], ["hosts"], ["events", "--until", "0s"]]) {
      const r = await reactor([...args, ...cmd]);
      assert.equal(r.code, 0, `${cmd.join(" ")}: ${r.out}`);
    }
    assert.equal(await stop(first, "SIGKILL"), 137);
    first = startDeno("main.ts", [...args, "run"]);
    await first.waitForOutput(/Connected to/);
    assert.equal(await stop(first), 0, first.output());
    first = undefined;
    const after = await reactor([...args, "once"]);
    assert.equal(after.code, 0, after.out);
  } finally {
    if (first) await stop(first, "SIGKILL");
    await Deno.remove(state, { recursive: true });
  }
});

Deno.test("reactor status talks to the daemon: hosts, failures, config; exit 3 when none runs", async () => {
  const state = await Deno.makeTempDir({ prefix: "rx-op-status-" });
  const dir = await Deno.makeTempDir({ prefix: "rx-op-status-cfg-" });
  const config = `${dir}/reactor.yaml`;
  await Deno.writeTextFile(
    config,
    `events_reactor:\n  always fails:\n    event: { type: container, action: start, actor: { name: st-fail } }\n    run: ["false"]\n`,
  );
  const args = ["-H", d.host, "--state-dir", state];
  let daemon: TestProcess | undefined;
  try {
    const none = await reactor([...args, "status"]);
    assert.equal(none.code, 3, none.out);
    assert.match(none.out, /^reactor: Not running: no reactor daemon holds .*reactor\.lock/);
    daemon = startDeno("main.ts", [...args, "run", "-c", config, "--insecure-config"]);
    await daemon.waitForOutput(/Connected to/);
    await d.runContainer("st-fail");
    await daemon.waitForOutput(
      /Hook "rule:always fails" failed: Command `false` exited with code 1/,
    );
    const st = await waitFor(async () => {
      const r = await reactor([...args, "status", "--json"]);
      const s = r.code === 0 ? JSON.parse(r.out) : undefined;
      return s?.hosts?.[0]?.lastEventAt ? s : undefined;
    }, { what: "status with an event" });
    assert.equal(st.pid, daemon.pid);
    assert.equal(st.stateDir, state);
    assert.deepEqual(st.config.files, [config]);
    assert.equal(typeof st.config.loadedAt, "string");
    const h = st.hosts[0];
    assert.equal(h.id, "default");
    assert.equal(h.state, "up");
    assert.equal(h.endpoint, d.host);
    assert.match(h.apiVersion, /^1\.\d+$/);
    assert.equal(typeof h.cursorLagSeconds, "number");
    assert.equal(typeof h.queue, "number");
    assert.deepEqual(h.failures, { "rule:always fails": 1 });
    const text = await reactor([...args, "status"]);
    assert.equal(text.code, 0, text.out);
    assert.match(text.out, new RegExp(`^reactor \\S+: running, PID ${daemon.pid}, up `));
    assert.match(text.out, new RegExp(`\\nconfig: ${config}, loaded `));
    assert.match(
      text.out,
      /\nHOST +STATE +API +LAST EVENT +CURSOR LAG +QUEUE +FAILURES \(1H\) +ENDPOINT\ndefault +up +1\.\d+ +\S+ ago +\S+ +\d+ +1 +unix:/,
    );
    assert.match(text.out, /\ndefault: failed in the last hour: rule:always fails 1\n/);
    const sock = await Deno.stat(`${state}/reactor.sock`);
    assert.equal(sock.mode! & 0o777, 0o600);
    // SIGKILL leaves the socket file behind: status still knows nobody runs
    assert.equal(await stop(daemon, "SIGKILL"), 137);
    daemon = undefined;
    const gone = await reactor([...args, "status"]);
    assert.equal(gone.code, 3, gone.out);
  } finally {
    if (daemon) await stop(daemon, "SIGKILL");
    await d.docker("rm", "-f", "st-fail").catch(() => {});
    await Deno.remove(state, { recursive: true });
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the stop summary counts synthesized starts; the startup line names config and scripts dir", async () => {
  const state = await Deno.makeTempDir({ prefix: "rx-op-synth-" });
  const scripts = `${state}/no-scripts-here`;
  try {
    const labels = { "docker-events.route": "add 10.219.0.0/16 dev eth0" };
    await d.runContainer("synth-a", { labels });
    await d.runContainer("synth-b", { labels });
    // Started before reactor ever looked at this engine (its first cursor is "now - 1 s"), so no
    // start event is replayed: both starts are synthesized by the resync.
    const started = Date.parse(await d.docker("inspect", "-f", "{{.State.StartedAt}}", "synth-b"));
    await waitFor(() => Date.now() - started > 1_500, { what: "the starts to age" });
    const p = startDeno("main.ts", [
      "-H",
      d.host,
      "--state-dir",
      state,
      "run",
      "--scripts-dir",
      scripts,
    ]);
    await p.waitForOutput(/Connected to/);
    await waitFor(async () => {
      const r = await reactor(["--state-dir", state, "status", "--json"]);
      return r.code === 0 && JSON.parse(r.out).hosts[0].queue === 0;
    }, { what: "resync done" });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await stop(p), 0, p.output());
    const out = p.output();
    assert.match(
      out,
      new RegExp(
        `INFO  reactor started hosts=default hooks=labels,scripts stateDir=${state} config="embedded default" scriptsDir="${scripts} \\(missing: no scripts will run\\)" pid=\\d+`,
      ),
    );
    const summary = /reactor stopped .* synthetic=(\d+) resynced=(\d+)/.exec(out);
    assert.ok(summary, out);
    assert.equal(Number(summary[1]), 2, `synthesized starts counted: ${summary[0]}`);
    // the log marks the same starts synthetic
    const marked = out.split("\n").filter((l) =>
      / synthetic=true/.test(l) && /action=start/.test(l)
    );
    assert.deepEqual(
      [...new Set(marked.map((l) => /container=(\S+)/.exec(l)?.[1]))].sort(),
      ["synth-a", "synth-b"],
      out,
    );
  } finally {
    await d.docker("rm", "-f", "synth-a", "synth-b").catch(() => {});
    await Deno.remove(state, { recursive: true });
  }
});

Deno.test("logs an operator reads: host routes at info with the route, shell-quoted commands", async () => {
  const state = await Deno.makeTempDir({ prefix: "rx-op-logs-" });
  const dst = `10.217.${d.index}.0/24`;
  let p: TestProcess | undefined;
  try {
    p = startDeno("main.ts", ["-H", d.host, "--state-dir", state, "run"], { NO_COLOR: "1" });
    await p.waitForOutput(/Connected to/);
    await d.runContainer("logs-a", {
      labels: {
        "docker-events.host-route": `add ${dst} dev ${d.bridge}`,
        "docker-events.route": "add 10.218.0.0/16 dev eth0; add bogus words",
      },
    });
    await p.waitForOutput(
      new RegExp(
        `INFO  Host route added: ip route add ${dst.replaceAll(".", "\\.")} dev ${d.bridge} `,
      ),
    );
    await p.waitForOutput(
      /ERROR Label docker-events\.route part failed: .* cmd="ip route replace bogus words"/,
    );
    await d.docker("stop", "-t", "1", "logs-a");
    await p.waitForOutput(
      new RegExp(
        `INFO  Host route removed: ip route del ${
          dst.replaceAll(".", "\\.")
        } dev ${d.bridge} .*route="${dst.replaceAll(".", "\\.")} dev ${d.bridge}"`,
      ),
    );
    const out = p.output();
    assert.doesNotMatch(out, /\["ip"|\["nsenter"/, "no JSON arrays");
    assert.ok(!out.includes("\u001b["), "no colours on a pipe");
    assert.match(
      out,
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} INFO {2}/m,
      "local, human-readable times",
    );
  } finally {
    if (p) await stop(p);
    await exec(["ip", "route", "del", dst], { okCodes: [0, 1, 2] });
    await d.docker("rm", "-f", "logs-a").catch(() => {});
    await Deno.remove(state, { recursive: true });
  }
});

Deno.test("teardown: stop the private dockerd", async () => {
  await d.close();
});
