/**
 * Edge cases against a fake Engine API (unit level): API 1.53 event shape, torn chunks, an
 * abrupt stream end, and resuming with the exact last timeNano.
 */
import assert from "node:assert/strict";
import { endpointConnector } from "../lib/docker/connector.ts";
import { Reactor } from "../lib/engine/reactor.ts";
import { getLog, setupLogging } from "../lib/log.ts";
import { waitFor } from "./harness/dockerd.ts";
import { nanoToRfc3339, startFakeEngine } from "./harness/fake_engine.ts";
import { recorderHook } from "./harness/recorder.ts";

setupLogging({ level: "fatal" });

/** Exact timeNano strings a little in the future, far above 2^53, differing in the last digits. */
const BASE = BigInt(Date.now() + 5000) * 1_000_000n + 951646000n;
const T = (k: number) => (BASE + BigInt(k)).toString();

const ev = (nano: string, action: string, id: string) =>
  `{"Type":"container","Action":"${action}","Actor":{"ID":"${id}","Attributes":{"name":"n-${id}","image":"img"}},"scope":"local","time":${
    nano.slice(0, 10)
  },"timeNano":${nano}}\n`;

Deno.test("Reactor resumes with the exact last timeNano after an abrupt stream end", async () => {
  const dir = await Deno.makeTempDir();
  const sock = `${dir}/fake.sock`;
  const engine = await startFakeEngine({
    socket: sock,
    containers: ["aaa", "bbb"].map((id) => ({
      id,
      name: `n-${id}`,
      running: true,
      pid: 1,
      startedAt: nanoToRfc3339(T(0)),
    })),
    // inspectable, but not listed: nothing for a resync to synthesize
    route: (_req, url) => url.pathname.endsWith("/containers/json") ? Response.json([]) : undefined,
    events: (_req, n) => {
      const body = new ReadableStream<Uint8Array>({
        async start(c) {
          const enc = new TextEncoder();
          if (n === 0) {
            const text = ev(T(300), "create", "aaa") +
              ev(T(361), "start", "aaa");
            // torn chunks: split in the middle of a line and of the timeNano
            for (const part of [text.slice(0, 37), text.slice(37, 190), text.slice(190)]) {
              c.enqueue(enc.encode(part));
              await new Promise((r) => setTimeout(r, 20));
            }
            await new Promise((r) => setTimeout(r, 300));
            c.error(new Error("connection reset")); // abrupt end, no terminating chunk
          } else if (n === 1) {
            // replay of the boundary event (since is inclusive) plus a new one
            c.enqueue(enc.encode(ev(T(361), "start", "aaa")));
            c.enqueue(enc.encode(ev(T(999), "start", "bbb")));
          }
        },
      });
      return new Response(body, { headers: { "content-type": "application/jsonl" } });
    },
  });
  const sinces = engine.sinces;
  const hook = recorderHook();
  const reactor = new Reactor({
    hosts: [endpointConnector({ id: "fake", url: `unix://${sock}` })],
    hooks: [hook],
    stateDir: dir,
    log: getLog(),
    backoff: { baseMs: 20, capMs: 50, minMs: 10 },
  });
  const ac = new AbortController();
  const run = reactor.run(ac.signal);
  try {
    await waitFor(() => hook.records.some((r) => r.id === "bbb"), { what: "bbb start" });
    assert.equal(sinces[1], `${T(361).slice(0, -9)}.${T(361).slice(-9)}`);
    const starts = hook.records.filter((r) => r.action === "start" && r.trigger === "event");
    assert.deepEqual(starts.map((r) => r.id), ["aaa", "bbb"], "boundary event deduplicated");
    assert.ok(engine.requests.get("/containers/{id}/json"), "inspected through the versioned API");
    assert.ok(reactor.stats.duplicates >= 1);
  } finally {
    ac.abort();
    await run;
    await engine.close();
  }
  const saved = JSON.parse(await Deno.readTextFile(`${dir}/hosts/fake.json`));
  assert.equal(saved.since, T(999));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("Reactor skips unparseable event lines and keeps going", async () => {
  const dir = await Deno.makeTempDir();
  const sock = `${dir}/fake.sock`;
  // no containers: the inspect answers 404 (already gone)
  const engine = await startFakeEngine({
    socket: sock,
    apiVersion: "1.41",
    events: () => {
      const enc = new TextEncoder();
      return new Response(
        new ReadableStream({
          start(c) {
            c.enqueue(enc.encode('{"garbage"\n[1]\n{"Type":"container"}\n'));
            c.enqueue(enc.encode(ev(T(400), "start", "ccc")));
          },
        }),
      );
    },
  });
  const hook = recorderHook();
  const reactor = new Reactor({
    hosts: [endpointConnector({ id: "fake", url: `unix://${sock}` })],
    hooks: [hook],
    stateDir: dir,
    log: getLog(),
    persist: false,
  });
  const ac = new AbortController();
  const run = reactor.run(ac.signal);
  try {
    const r = await waitFor(() => hook.records.find((r) => r.id === "ccc"));
    assert.equal(r.name, "n-ccc", "a container already gone still reaches hooks by event data");
    assert.equal(r.pid, -1);
  } finally {
    ac.abort();
    await run;
    await engine.close();
    await Deno.remove(dir, { recursive: true });
  }
});
