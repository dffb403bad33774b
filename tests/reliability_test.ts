/**
 * Reliability against a real dockerd, as an operator's bad day attacks it: restarts while a
 * container's queue lags, reactor killed while a start's hook runs, dockerd killed mid-burst.
 * "Exactly once per start in a live session; at least once across a crash."
 *
 * @module
 */
import assert from "node:assert/strict";
import { endpointConnector } from "../lib/docker/connector.ts";
import type { Hook } from "../lib/engine/hook.ts";
import { Reactor } from "../lib/engine/reactor.ts";
import { exec } from "../lib/exec/run.ts";
import { getLog, setupLogging } from "../lib/log.ts";
import type { ReactorEvent } from "../lib/reactor.d.ts";
import { startDockerd, waitFor } from "./harness/dockerd.ts";
import { type Record, recorderHook } from "./harness/recorder.ts";
import { startDeno } from "./harness/process.ts";

setupLogging({ level: "warning" });
const d = await startDockerd();
const log = getLog();

/** Every container event of one subscription (the truth to compare with). */
function watchEvents(signal: AbortSignal): ReactorEvent[] {
  const out: ReactorEvent[] = [];
  (async () => {
    const conn = endpointConnector({ id: "default", url: d.host });
    const client = await conn.connect(signal);
    await client.negotiate(signal);
    for await (const ev of await client.events({ filters: { type: ["container"] }, signal })) {
      out.push(ev);
    }
  })().catch(() => {});
  return out;
}

/** A hook that takes `ms` for every `die`: the container's queue lags behind the engine. */
function slowDie(ms: number): Hook {
  return {
    name: "slow-die",
    wants: (ev) => ev.type === "container" && ev.action === "die",
    handle: () => new Promise((r) => setTimeout(r, ms)),
    timeoutMs: ms + 5_000,
  };
}

async function withReactor(
  hooks: Hook[],
  fn: (r: Reactor) => Promise<void>,
  opts: { stateDir?: string; concurrency?: number } = {},
): Promise<void> {
  const stateDir = opts.stateDir ?? await Deno.makeTempDir();
  const r = new Reactor({
    hosts: [endpointConnector({ id: "default", url: d.host })],
    hooks,
    stateDir,
    log,
    concurrency: opts.concurrency,
    backoff: { baseMs: 50, capMs: 500, minMs: 20 },
    watchdogMs: 1_000,
  });
  const ac = new AbortController();
  const running = r.run(ac.signal);
  try {
    await waitFor(() => r.hostStatus()[0]?.state === "up", { what: "reactor connected" });
    await fn(r);
  } finally {
    ac.abort();
    await running;
    if (!opts.stateDir) await Deno.remove(stateDir, { recursive: true });
  }
}

const starts = (evs: ReactorEvent[], id: string) =>
  evs.filter((e) => e.action === "start" && e.actor.id === id);
const handledStarts = (recs: Record[], id: string) =>
  recs.filter((r) => r.action === "start" && r.id === id && r.trigger === "event");

Deno.test("restarts while the container's queue lags: every start is handled once, with its own state", async () => {
  const truth = new AbortController();
  const events = watchEvents(truth.signal);
  const rec = recorderHook({ actions: ["start"] });
  try {
    await withReactor([slowDie(1_500), rec], async () => {
      const id = await d.runContainer("lag1");
      await waitFor(() => handledStarts(rec.records, id).length === 1, { what: "first start" });
      await d.docker("restart", "-t", "0", "lag1");
      await d.docker("restart", "-t", "0", "lag1");
      await waitFor(() => starts(events, id).length === 3, { what: "3 start events" });
      // each start event is handled once, matched by its own time
      await waitFor(() => handledStarts(rec.records, id).length >= 3, {
        timeoutMs: 30_000,
        what: `3 handled starts, got ${JSON.stringify(handledStarts(rec.records, id))}`,
      });
      const got = handledStarts(rec.records, id);
      assert.deepEqual(
        got.map((r) => r.timeNano).sort(),
        starts(events, id).map((e) => e.timeNano).sort(),
      );
      // the ones the container moved on from say so and get no live pid; the last one is live
      const pid = await d.pidOf("lag1");
      const last = got.at(-1)!;
      assert.equal(last.movedOn, false);
      assert.equal(last.running, true);
      assert.equal(last.pid, pid);
      for (const r of got.slice(0, -1)) {
        assert.ok(r.movedOn || r.pid !== pid, `an older start never sees the new pid: ${r.pid}`);
        if (r.movedOn) assert.equal(r.running, false);
      }
    });
  } finally {
    truth.abort();
    await d.dockerRaw("rm", "-f", "lag1");
  }
});

Deno.test("a restart then a removal while the queue lags: both starts are handled", async () => {
  const truth = new AbortController();
  const events = watchEvents(truth.signal);
  const rec = recorderHook({ actions: ["start"] });
  try {
    await withReactor([slowDie(1_500), rec], async () => {
      const id = await d.runContainer("lag2");
      await waitFor(() => handledStarts(rec.records, id).length === 1, { what: "first start" });
      await d.docker("restart", "-t", "0", "lag2");
      await d.docker("rm", "-f", "lag2");
      await waitFor(() => starts(events, id).length === 2, { what: "2 start events" });
      await waitFor(() => handledStarts(rec.records, id).length >= 2, {
        timeoutMs: 30_000,
        what: `2 handled starts, got ${JSON.stringify(handledStarts(rec.records, id))}`,
      });
      const got = handledStarts(rec.records, id);
      assert.equal(got.length, 2);
      // the container was removed before its second start was handled: told, and not running
      assert.equal(got[1]!.movedOn, true);
      assert.equal(got[1]!.running, false);
      assert.equal(got[1]!.pid, 0);
    });
  } finally {
    truth.abort();
    await d.dockerRaw("rm", "-f", "lag2");
  }
});

async function descendants(pid: number): Promise<number[]> {
  const r = await exec(["pgrep", "-P", String(pid)], { okCodes: [0, 1] });
  const kids = r.stdout.split(/\s+/).filter(Boolean).map(Number);
  const all = [...kids];
  for (const k of kids) all.push(...await descendants(k));
  return all;
}

Deno.test("reactor SIGKILLed (with its scripts, as systemd does) while a start's hook runs: the start runs again after restart", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/out`);
    await Deno.writeTextFile(
      `${dir}/slow.sh`,
      `#!/bin/sh\necho "$1" >> "${dir}/out/began"\nsleep 3\necho "$1" >> "${dir}/out/done"\n`,
      { mode: 0o755 },
    );
    await Deno.writeTextFile(
      `${dir}/reactor.yaml`,
      `hooks: { labels: false, scripts: false }\nevents_reactor:\n  slow:\n    event: { action: start, actor: { name: "kill-*" } }\n    run: ["${dir}/slow.sh", "%%name%%"]\n`,
    );
    const args = [
      "--state-dir",
      `${dir}/state`,
      "-H",
      d.host,
      "run",
      "--config",
      `${dir}/reactor.yaml`,
    ];
    const first = startDeno("main.ts", args);
    await first.waitForOutput(/Connected to/);
    await d.runContainer("kill-1");
    const began = async () => (await Deno.readTextFile(`${dir}/out/began`).catch(() => "")).trim();
    await waitFor(async () => (await began()) === "kill-1", { what: "the slow script began" });
    await new Promise((r) => setTimeout(r, 1_200)); // past at least one periodic state save
    for (const pid of [first.pid, ...await descendants(first.pid)]) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch { /* gone */ }
    }
    await first.wait();
    assert.equal(
      await Deno.readTextFile(`${dir}/out/done`).catch(() => ""),
      "",
      "killed in flight",
    );
    const second = startDeno("main.ts", args);
    try {
      await waitFor(
        async () => (await Deno.readTextFile(`${dir}/out/done`).catch(() => "")).trim(),
        {
          timeoutMs: 30_000,
          what: `the start handled again after the restart:\n${second.output()}`,
        },
      );
      assert.equal((await Deno.readTextFile(`${dir}/out/done`)).trim(), "kill-1");
    } finally {
      second.kill("SIGTERM");
      assert.equal(await second.wait(), 0, second.output());
    }
  } finally {
    await d.dockerRaw("rm", "-f", "kill-1");
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("dockerd SIGKILLed mid-burst: no start runs half-blind and no incarnation is handled twice", async () => {
  const truth = new AbortController();
  const events = watchEvents(truth.signal);
  const rec = recorderHook({ actions: ["start"] });
  const names = Array.from({ length: 20 }, (_, i) => `burst-${i}`);
  // the first start's hook waits until dockerd is dead: the other starts queue up behind it
  let open = () => {};
  const opened = new Promise<void>((r) => open = r);
  const gate: Hook = {
    name: "gate",
    wants: (ev) => ev.type === "container" && ev.action === "start",
    handle: () => opened,
  };
  try {
    for (const [i, n] of names.entries()) {
      await d.docker(
        "create",
        "--name",
        n,
        ...(i % 2 ? ["--restart", "always"] : []),
        "busybox:latest",
        "sleep",
        "3600",
      );
    }
    await withReactor([gate, rec], async (r) => {
      await d.docker("start", ...names);
      await waitFor(() => events.filter((e) => e.action === "start").length >= names.length, {
        what: "every start event emitted",
      });
      await waitFor(() => r.pending >= names.length, { what: "every start queued" });
      await d.killDaemon();
      const queued = r.pending;
      open();
      await d.startDaemon();
      await waitFor(() => r.hostStatus()[0]?.state === "up", { what: "reconnected" });
      await waitFor(() => r.pending === 0 && r.inventory.synced("default"), {
        timeoutMs: 30_000,
        what: "queue drained after the reconnect",
      });
      assert.ok(queued > 5, `the kill came while starts were queued (${queued})`);
      // the containers with a restart policy run again: each new incarnation handled once
      const running = (await d.docker("ps", "-q", "--no-trunc")).split(/\s+/).filter(Boolean);
      for (const id of running) {
        await waitFor(() => rec.records.some((x) => x.id === id && x.running), {
          what: `the restarted ${id.slice(0, 12)} handled`,
        });
      }
      // every start before the kill was handled, none without its container's data
      for (const n of names) assert.ok(rec.records.some((x) => x.name === n), `${n} handled`);
      const seen = new Map<string, number>();
      for (const x of rec.records) {
        assert.notEqual(x.image, "", `a start ran without inspect data: ${JSON.stringify(x)}`);
        // a hook's resync() re-asserts state for an incarnation already handled: not a start
        if (!x.startedAt || x.trigger !== "event") continue;
        const k = `${x.id}/${x.startedAt}`;
        seen.set(k, (seen.get(k) ?? 0) + 1);
      }
      const twice = [...seen].filter(([, n]) => n > 1);
      assert.deepEqual(twice, [], "an incarnation was handled twice in one live reactor");
      assert.equal(r.stats.failures, 0);
    }, { concurrency: 1 });
  } finally {
    truth.abort();
    await d.dockerRaw("rm", "-f", ...names);
  }
});

Deno.test("teardown: stop the private dockerd", async () => {
  await d.close();
});
