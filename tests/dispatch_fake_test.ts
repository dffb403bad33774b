/**
 * The dispatcher against a fake engine: per-container order in a burst, starts handled exactly
 * once with and without inspects (live, replayed, after a reconnect, synthesized by a resync),
 * and the per-host state pruned after container lifecycles.
 */
import assert from "node:assert/strict";
import { endpointConnector } from "../lib/docker/connector.ts";
import type { HandlerContext, Hook } from "../lib/engine/hook.ts";
import { Reactor } from "../lib/engine/reactor.ts";
import { getLog, setupLogging } from "../lib/log.ts";
import { waitFor } from "./harness/dockerd.ts";
import { eventLine, type FakeEngine, nowNano, startFakeEngine } from "./harness/fake_engine.ts";

setupLogging({ level: "fatal" });

interface Seen {
  id: string;
  action: string;
  seq: string;
  timeNano: string;
  synthetic: boolean;
  movedOn: boolean;
  inspected: boolean;
}

function recorder(needsContainer: boolean): Hook & { seen: Seen[] } {
  const seen: Seen[] = [];
  return {
    name: "rec",
    needsContainer,
    seen,
    wants: (ev) => ev.type === "container",
    handle(ctx: HandlerContext) {
      seen.push({
        id: ctx.event.actor.id,
        action: ctx.event.action,
        seq: ctx.event.actor.attributes["seq"] ?? "",
        timeNano: ctx.event.timeNano,
        synthetic: ctx.event.synthetic,
        movedOn: ctx.movedOn,
        inspected: ctx.container !== undefined,
      });
      return Promise.resolve();
    },
  };
}

async function withReactor(
  engine: FakeEngine,
  hooks: Hook[],
  fn: (r: Reactor) => Promise<void>,
  opts: { persist?: boolean; stateDir?: string } = {},
): Promise<void> {
  const dir = opts.stateDir ?? await Deno.makeTempDir();
  const reactor = new Reactor({
    hosts: [endpointConnector({ id: "fake", url: engine.host })],
    hooks,
    stateDir: dir,
    log: getLog(),
    persist: opts.persist ?? false,
    backoff: { baseMs: 10, capMs: 20, minMs: 5 },
  });
  const ac = new AbortController();
  const run = reactor.run(ac.signal);
  try {
    await waitFor(() => reactor.hostStatus()[0]?.state === "up" && engine.subscribers() > 0);
    await fn(reactor);
  } finally {
    ac.abort();
    await run;
    if (!opts.stateDir) await Deno.remove(dir, { recursive: true });
  }
}

const starts = (seen: Seen[], id?: string) =>
  seen.filter((s) => s.action === "start" && (id === undefined || s.id === id));

for (const needsContainer of [false, true]) {
  Deno.test(`a burst keeps per-container order (hook needsContainer: ${needsContainer})`, async () => {
    const engine = await startFakeEngine();
    const hook = recorder(needsContainer);
    try {
      await withReactor(engine, [hook], async () => {
        const ids = Array.from({ length: 40 }, (_, i) => engine.create(`b${i}`).id);
        const base = BigInt(nowNano());
        const lines: string[] = [];
        for (let i = 0; i < 800; i++) {
          const id = ids[i % ids.length]!;
          const c = engine.containers.get(id)!;
          if (i < ids.length) Object.assign(c, { running: true, pid: 10 + i, startedAt: "" });
          const action = i < ids.length ? "start" : "exec_start: sh -c true";
          lines.push(
            eventLine(action, id, { name: c.name, seq: String(i) }, `${base + BigInt(i)}`),
          );
        }
        engine.emit(lines.join(""));
        await waitFor(() => hook.seen.filter((s) => s.seq !== "").length >= 800, {
          what: "800 events handled",
        });
      });
      const bySeq = hook.seen.filter((s) => s.seq !== "");
      assert.equal(bySeq.length, 800, "each event exactly once");
      const last = new Map<string, number>();
      for (const s of bySeq) {
        const n = Number(s.seq);
        assert.ok(n > (last.get(s.id) ?? -1), `order kept for ${s.id.slice(0, 8)}`);
        last.set(s.id, n);
      }
      const inspects = engine.requests.get("/containers/{id}/json") ?? 0;
      if (needsContainer) assert.ok(inspects >= 800, `inspected for the hook (${inspects})`);
      else assert.equal(inspects, 0, "no inspect when no hook reads containers");
      assert.equal(bySeq.every((s) => s.inspected === needsContainer), true);
    } finally {
      await engine.close();
    }
  });
}

Deno.test("a start is handled once without inspects: restarts, replays, reconnects", async () => {
  const engine = await startFakeEngine();
  const hook = recorder(false);
  try {
    await withReactor(engine, [hook], async (reactor) => {
      const c = engine.create("web");
      const e1 = engine.start(c.id);
      await waitFor(() => starts(hook.seen, c.id).length === 1);
      // the same start again (a replay): dropped by the dedup set or by its record
      engine.emit(eventLine("start", c.id, { name: "web", replay: "1" }, e1));
      // an older incarnation's start replayed late: handled, but the container moved on
      engine.emit(eventLine("start", c.id, { name: "web" }, `${BigInt(e1) - 5000n}`));
      engine.stop(c.id);
      const e2 = engine.start(c.id);
      await waitFor(() => starts(hook.seen, c.id).length === 3, { what: "restart handled" });
      // reconnect: the resync finds it running, its start already handled (by event time)
      const synthetic = reactor.stats.synthetic;
      const lists = engine.requests.get("/containers/json") ?? 0;
      engine.closeStreams();
      await waitFor(
        () =>
          (engine.requests.get("/containers/json") ?? 0) > lists &&
          reactor.inventory.synced("fake") && reactor.pending === 0,
        { what: "a resync after reconnecting" },
      );
      assert.equal(reactor.stats.synthetic, synthetic, "nothing synthesized after reconnecting");
      const s = starts(hook.seen, c.id);
      assert.deepEqual(s.map((x) => x.timeNano).sort(), [`${BigInt(e1) - 5000n}`, e1, e2].sort());
      assert.equal(s.find((x) => x.timeNano === e1)?.movedOn, false);
      assert.equal(s.find((x) => BigInt(x.timeNano) < BigInt(e1))?.movedOn, true);
      assert.equal(engine.requests.get("/containers/{id}/json") ?? 0, 1, "one inspect: resync");
    });
  } finally {
    await engine.close();
  }
});

Deno.test("a start synthesized by a resync is not handled again when its event arrives", async () => {
  const engine = await startFakeEngine();
  const hook = recorder(false);
  try {
    // started before reactor subscribed: only the resync can see it
    const c = engine.create("early");
    const e = engine.start(c.id);
    await withReactor(engine, [hook], async (reactor) => {
      await waitFor(() => starts(hook.seen, c.id).length === 1, { what: "synthesized start" });
      assert.equal(starts(hook.seen, c.id)[0]!.synthetic, true);
      assert.equal(reactor.stats.synthetic, 1);
      // now its real start event arrives (late delivery): the record (StartedAt) needs an
      // inspect to match, which finds the same incarnation
      engine.emit(eventLine("start", c.id, { name: "early" }, e));
      engine.emit(eventLine("exec_start: true", c.id, { name: "early", seq: "1" }));
      await waitFor(() => hook.seen.some((s) => s.seq === "1"));
      assert.equal(starts(hook.seen, c.id).length, 1, "handled exactly once");
    });
  } finally {
    await engine.close();
  }
});

Deno.test("container lifecycles leave no per-host state behind", async () => {
  const engine = await startFakeEngine();
  const hook = recorder(true);
  const dir = await Deno.makeTempDir();
  try {
    await withReactor(engine, [hook], async (reactor) => {
      const n = 300;
      for (let i = 0; i < n; i++) {
        const c = engine.create(`life${i}`);
        engine.start(c.id);
        engine.stop(c.id);
        engine.destroy(c.id);
        if (i % 50 === 49) await new Promise((r) => setTimeout(r, 5));
      }
      await waitFor(() => starts(hook.seen).length === n && reactor.pending === 0, {
        what: `${n} lifecycles handled`,
      });
      await waitFor(() => hook.seen.filter((s) => s.action === "destroy").length === n);
      assert.equal(reactor.inventory.size, 0, "destroyed containers leave the inventory");
    }, { persist: true, stateDir: dir });
    const saved = JSON.parse(await Deno.readTextFile(`${dir}/hosts/fake.json`));
    assert.deepEqual(saved.started, {}, "no handled-start record for a removed container");
  } finally {
    await engine.close();
    await Deno.remove(dir, { recursive: true });
  }
});
