/**
 * Foundation integration tests against a real private dockerd: handler data, restart resume,
 * dockerd restart, a burst of 50 containers, and `once`.
 */
import assert from "node:assert/strict";
import { endpointConnector } from "../lib/docker/connector.ts";
import { Reactor } from "../lib/engine/reactor.ts";
import { getLog, setupLogging } from "../lib/log.ts";
import type { Observation } from "../lib/engine/observer.ts";
import { startDockerd, waitFor } from "./harness/dockerd.ts";
import { readRecords, type Record, recorderHook } from "./harness/recorder.ts";
import { startDeno } from "./harness/process.ts";

setupLogging({ level: "warning" });
const d = await startDockerd();
const log = getLog();

function reactorFor(hook: ReturnType<typeof recorderHook>, stateDir: string, extra = {}) {
  return new Reactor({
    hosts: [endpointConnector({ id: "default", url: d.host })],
    hooks: [hook],
    stateDir,
    log,
    backoff: { baseMs: 50, capMs: 500, minMs: 20 },
    ...extra,
  });
}

async function withReactor(
  hook: ReturnType<typeof recorderHook>,
  fn: (r: Reactor) => Promise<void>,
  extra = {},
) {
  const stateDir = await Deno.makeTempDir();
  const r = reactorFor(hook, stateDir, extra);
  const ac = new AbortController();
  const running = r.run(ac.signal);
  try {
    await waitFor(() => r.hostStatus()[0]?.state === "up", { what: "reactor connected" });
    await fn(r);
  } finally {
    ac.abort();
    await running;
    await Deno.remove(stateDir, { recursive: true });
  }
}

const byName = (recs: Record[], name: string, action?: string) =>
  recs.filter((r) => r.name === name && (!action || r.action === action));

Deno.test("a started container reaches the handler with correct inspect data", async () => {
  const hook = recorderHook();
  await withReactor(hook, async () => {
    const id = await d.runContainer("insp1", {
      labels: { "team": "ops", "docker-events.x": "a;b" },
    });
    const rec = await waitFor(() => byName(hook.records, "insp1", "start")[0], {
      what: "start record",
    });
    assert.equal(rec.id, id);
    assert.equal(rec.host, "default");
    assert.equal(rec.image, "busybox:latest");
    assert.deepEqual(rec.labels, { "team": "ops", "docker-events.x": "a;b" });
    assert.equal(rec.pid, await d.pidOf("insp1"));
    assert.ok(rec.ip.startsWith(`${d.subnetPrefix}.`), rec.ip);
    assert.equal(rec.running, true);
    assert.equal(rec.synthetic, false);
    assert.match(rec.timeNano, /^\d{19}$/);
    await d.docker("rm", "-f", "insp1");
    // die and destroy still carry the last known inspect data
    const destroy = await waitFor(() => byName(hook.records, "insp1", "destroy")[0], {
      what: "destroy record",
    });
    assert.equal(destroy.image, "busybox:latest");
    assert.equal(destroy.labels["team"], "ops");
    assert.equal(destroy.running, false);
  });
});

Deno.test("events emitted while reactor was stopped are all handled after restart", async () => {
  const stateDir = await Deno.makeTempDir();
  const file = `${stateDir}/records.jsonl`;
  const env = {
    DOCKER_HOST: d.host,
    REACTOR_STATE_DIR: stateDir,
    RECORD_FILE: file,
    RECORD_LOG_LEVEL: "debug",
  };
  try {
    await d.runContainer("pre1");
    const first = startDeno("tests/harness/recorder_main.ts", [], env);
    await first.waitForOutput(/Connected to/);
    await waitFor(async () => byName(await readRecords(file), "pre1", "start").length > 0, {
      what: `pre1 start; output:\n${first.output()}`,
    }).catch((e) => {
      throw new Error(`${e.message}\n${first.output()}`);
    });
    first.kill("SIGTERM");
    assert.equal(await first.wait(), 0, first.output());
    assert.match(first.output(), /reactor stopped/);
    const cursor = JSON.parse(await Deno.readTextFile(`${stateDir}/hosts/default.json`));
    assert.match(cursor.since, /^\d{19}$/);

    // While reactor is down: start three containers, stop one of them.
    for (const n of ["off1", "off2", "off3"]) await d.runContainer(n);
    await d.docker("kill", "off2");
    await Deno.writeTextFile(file, "");

    const second = startDeno("tests/harness/recorder_main.ts", [], env);
    try {
      await waitFor(async () => {
        const recs = await readRecords(file);
        return ["off1", "off2", "off3"].every((n) => byName(recs, n, "start").length > 0) &&
          byName(recs, "off2", "die").length > 0;
      }, { what: "offline events handled", timeoutMs: 30_000 });
      await new Promise((r) => setTimeout(r, 500)); // let any duplicate surface
      const recs = await readRecords(file);
      const starts = (n: string) => byName(recs, n, "start").filter((r) => r.trigger === "event");
      for (const n of ["off1", "off2", "off3"]) {
        assert.equal(starts(n).length, 1, `${n} start handled exactly once`);
      }
      assert.equal(byName(recs, "off2", "die").length, 1);
      // pre1's start was handled before the restart: it is re-asserted (resync), not re-started.
      assert.equal(starts("pre1").length, 0, "pre1 start is not re-run");
      assert.equal(byName(recs, "pre1", "start").filter((r) => r.trigger === "resync").length, 1);
    } finally {
      second.kill("SIGTERM");
      assert.equal(await second.wait(), 0, second.output());
    }
  } finally {
    await d.docker("rm", "-f", "pre1", "off1", "off2", "off3").catch(() => {});
    await Deno.remove(stateDir, { recursive: true });
  }
});

Deno.test("reactor reconnects by itself after the private dockerd is killed and restarted", async () => {
  const hook = recorderHook();
  await withReactor(hook, async (r) => {
    await d.killDaemon();
    await waitFor(() => r.hostStatus()[0]?.state !== "up", { what: "host down" });
    await d.startDaemon();
    await waitFor(() => r.hostStatus()[0]?.state === "up", {
      what: "host up again",
      timeoutMs: 30_000,
    });
    await d.runContainer("after1");
    const rec = await waitFor(() => byName(hook.records, "after1", "start")[0], {
      what: "start after dockerd restart",
    });
    assert.equal(rec.pid, await d.pidOf("after1"));
    await d.docker("rm", "-f", "after1");
  });
});

Deno.test("50 containers started at once are each handled exactly once, in per-container order", async () => {
  const hook = recorderHook({ maxDelayMs: 20 });
  const names = Array.from({ length: 50 }, (_, i) => `burst${i}`);
  await withReactor(hook, async () => {
    const pool = async (items: string[], n: number, fn: (s: string) => Promise<unknown>) => {
      const q = [...items];
      await Promise.all(Array.from({ length: n }, async () => {
        for (let x = q.shift(); x !== undefined; x = q.shift()) await fn(x);
      }));
    };
    await pool(names, 10, (n) => d.runContainer(n));
    await waitFor(() => names.every((n) => byName(hook.records, n, "start").length > 0), {
      what: "50 starts",
      timeoutMs: 60_000,
    });
    await pool(names, 10, (n) => d.docker("rm", "-f", n));
    await waitFor(() => names.every((n) => byName(hook.records, n, "destroy").length > 0), {
      what: "50 destroys",
      timeoutMs: 60_000,
    });
    for (const n of names) {
      const seq = byName(hook.records, n).map((r) => r.action);
      assert.equal(seq.filter((a) => a === "start").length, 1, `${n}: ${seq}`);
      const order = ["create", "start", "kill", "die", "destroy"].filter((a) => seq.includes(a));
      assert.deepEqual(seq.filter((a) => order.includes(a)), order, `${n} order: ${seq}`);
      assert.ok(order.includes("die") && order.includes("destroy"), `${n}: ${seq}`);
    }
  }, { concurrency: 8 });
});

Deno.test("once applies to everything already running and reports failures", async () => {
  for (const n of ["once1", "once2", "once3"]) await d.runContainer(n);
  const stateDir = await Deno.makeTempDir();
  const file = `${stateDir}/records.jsonl`;
  try {
    const ok = startDeno("tests/harness/recorder_main.ts", [], {
      DOCKER_HOST: d.host,
      REACTOR_STATE_DIR: stateDir,
      RECORD_FILE: file,
      RECORD_MODE: "once",
    });
    assert.equal(await ok.wait(), 0, ok.output());
    const recs = await readRecords(file);
    for (const n of ["once1", "once2", "once3"]) {
      assert.equal(byName(recs, n, "start").length, 1, n);
      assert.equal(byName(recs, n, "start")[0]!.synthetic, true);
    }
    const bad = startDeno("tests/harness/recorder_main.ts", [], {
      DOCKER_HOST: d.host,
      REACTOR_STATE_DIR: stateDir,
      RECORD_FILE: file,
      RECORD_MODE: "once",
      RECORD_FAIL_NAME: "once2",
    });
    assert.equal(await bad.wait(), 1, bad.output());
    assert.match(bad.output(), /Hook "recorder" failed: recorder: planned failure/);
  } finally {
    await d.docker("rm", "-f", "once1", "once2", "once3");
    await Deno.remove(stateDir, { recursive: true });
  }
});

Deno.test("DockerClient speaks to the real engine: version, info, networks, list, exec", async () => {
  const { DockerClient } = await import("../lib/docker/client.ts");
  const { openTransport, parseEndpoint } = await import("../lib/docker/endpoint.ts");
  const c = new DockerClient({
    hostId: "default",
    transport: await openTransport(parseEndpoint(d.host)),
  });
  try {
    await c.negotiate();
    assert.match(c.apiVersion ?? "", /^1\.\d+$/);
    const v = await c.version();
    assert.equal(v.apiVersion, c.apiVersion);
    assert.equal(v.os, "linux");
    const info = await c.info();
    assert.equal(info.rootless, false);
    const nets = await c.networks();
    assert.ok(nets.some((n) => n.name === "bridge" && n.driver === "bridge"));
    const id = await d.runContainer("exec1", { labels: { role: "x" } });
    const list = await c.listContainers({ filters: { label: ["role=x"] } });
    assert.deepEqual(list.map((x) => x.name), ["exec1"]);
    const ok = await c.exec(id, ["sh", "-c", "echo out; echo err >&2; exit 3"]);
    assert.deepEqual(ok, { exitCode: 3, stdout: "out\n", stderr: "err\n" });
    await d.docker("kill", "exec1");
    const gone = await c.exec(id, ["true"]).catch((e) => e);
    assert.equal(gone.status, 409, String(gone));
    assert.ok(gone.isGone);
  } finally {
    c.close();
    await d.docker("rm", "-f", "exec1").catch(() => {});
  }
});

Deno.test("an observer subscriber sees events, hook outcomes and host state changes", async () => {
  const hook = recorderHook({ actions: ["start"], failName: "obs-fail" });
  const seen: Observation[] = [];
  const stateDir = await Deno.makeTempDir();
  const r = reactorFor(hook, stateDir);
  const off = r.observer.subscribe((o) => seen.push(o));
  const ac = new AbortController();
  const running = r.run(ac.signal);
  try {
    await waitFor(() => seen.some((o) => o.kind === "host" && o.state === "up"), {
      what: "host up",
    });
    const id = await d.runContainer("obs-ok");
    await d.runContainer("obs-fail");
    const hookOf = (name: string) =>
      seen.find((o) =>
        o.kind === "hook" && o.event?.actor.attributes["name"] === name && o.hook === "recorder"
      );
    await waitFor(() => hookOf("obs-ok") && hookOf("obs-fail"), { what: "hook outcomes" });
    assert.ok(
      seen.some((o) =>
        o.kind === "event" && o.event.actor.id === id && o.event.action === "start" &&
        !o.duplicate
      ),
    );
    assert.equal((hookOf("obs-ok") as { outcome: string }).outcome, "ok");
    assert.equal((hookOf("obs-fail") as { outcome: string }).outcome, "failed");
    assert.deepEqual(
      seen.filter((o) => o.kind === "host").map((o) => (o as { state: string }).state).slice(0, 2),
      ["connecting", "up"],
    );
  } finally {
    ac.abort();
    await running;
    off();
    await d.dockerRaw("rm", "-f", "obs-ok", "obs-fail");
    await Deno.remove(stateDir, { recursive: true });
  }
  assert.equal(seen.filter((o) => o.kind === "host").at(-1)?.["state" as never], "stopped");
});

Deno.test("teardown: stop the private dockerd", async () => {
  await d.close();
});
