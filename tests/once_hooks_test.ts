/**
 * `reactor once` and level-triggered hooks (against a fake Engine API): after every running
 * container went through the hooks, each hook's `once()` runs with the inventory filled and
 * synced; a failing or hanging `once()` is isolated, counted and observed.
 */
import assert from "node:assert/strict";
import { endpointConnector } from "../lib/docker/connector.ts";
import type { Hook } from "../lib/engine/hook.ts";
import type { Observation } from "../lib/engine/observer.ts";
import { Reactor } from "../lib/engine/reactor.ts";
import { getLog, setupLogging } from "../lib/log.ts";

setupLogging({ level: "fatal" });

function fakeEngine(sock: string): Deno.HttpServer {
  const containers = ["aaa", "bbb"];
  return Deno.serve({ path: sock, onListen: () => {} }, (req) => {
    const u = new URL(req.url);
    if (u.pathname === "/_ping") return new Response("OK", { headers: { "Api-Version": "1.41" } });
    if (u.pathname.endsWith("/info")) return Response.json({ Name: "fake" });
    if (u.pathname.endsWith("/containers/json")) {
      return Response.json(containers.map((id) => ({
        Id: id,
        Names: [`/n-${id}`],
        Image: "img",
        Labels: {},
        State: "running",
        Status: "Up",
        Created: 1,
      })));
    }
    const m = /\/containers\/(\w+)\/json$/.exec(u.pathname);
    if (m) {
      return Response.json({
        Id: m[1],
        Name: `/n-${m[1]}`,
        State: { Running: true, Pid: 1, StartedAt: "2024-01-01T00:00:00Z" },
        Config: { Image: "img", Labels: {} },
        NetworkSettings: { Networks: {} },
      });
    }
    return Response.json({ message: `no route ${u.pathname}` }, { status: 404 });
  });
}

Deno.test("Reactor.once() runs each hook's once() after the reconcile, with the inventory synced", async () => {
  const dir = await Deno.makeTempDir();
  const sock = `${dir}/fake.sock`;
  const server = fakeEngine(sock);
  const seen: { running: string[]; synced: boolean }[] = [];
  const order: string[] = [];
  const level: Hook = {
    name: "level",
    kind: "level",
    wants: () => false,
    handle: () => Promise.resolve(),
    start: () => {
      throw new Error("start is not called by once");
    },
    once(rt) {
      order.push("level.once");
      seen.push({
        running: rt.inventory.running().map((c) => c.name),
        synced: rt.inventory.synced(),
      });
      return Promise.resolve();
    },
  };
  const edge: Hook = {
    name: "edge",
    wants: (ev) => ev.action === "start",
    handle: (ctx) => {
      order.push(`edge.start ${ctx.container?.name}`);
      return Promise.resolve();
    },
  };
  const failing: Hook = {
    name: "failing",
    kind: "failing",
    rule: "r1",
    wants: () => false,
    handle: () => Promise.resolve(),
    once: () => Promise.reject(new Error("planned failure")),
  };
  const hanging: Hook = {
    name: "hanging",
    timeoutMs: 50,
    wants: () => false,
    handle: () => Promise.resolve(),
    once: (rt) =>
      new Promise((_, reject) =>
        rt.signal.addEventListener("abort", () => reject(rt.signal.reason), { once: true })
      ),
  };
  const reactor = new Reactor({
    hosts: [endpointConnector({ id: "fake", url: `unix://${sock}` })],
    hooks: [level, edge, failing, hanging],
    stateDir: dir,
    log: getLog(),
    persist: false,
  });
  const obs: Observation[] = [];
  reactor.observer.subscribe((o) => obs.push(o));
  try {
    const stats = await reactor.once();
    assert.deepEqual(seen, [{ running: ["n-aaa", "n-bbb"], synced: true }]);
    assert.deepEqual(order.slice(-1), ["level.once"], "once() comes after the starts");
    assert.deepEqual(order.slice(0, 2).sort(), ["edge.start n-aaa", "edge.start n-bbb"]);
    assert.equal(stats.failures, 2);
    const hooks = obs.filter((o) => o.kind === "hook" && !o.event);
    assert.deepEqual(
      hooks.map((o) => o.kind === "hook" ? [o.hook, o.rule, o.outcome, o.hostId] : []),
      [["level", "", "ok", ""], ["failing", "r1", "failed", ""], [
        "hanging",
        "",
        "timeout",
        "",
      ]],
    );
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
