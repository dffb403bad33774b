/**
 * EtcdPublisher's session logic against an in-memory etcd (tests/etcd/ runs it against a real
 * one): lost leases, outages, close(), settled().
 */
import assert from "node:assert/strict";
import type { Log, LogFields } from "../log.ts";
import type { CallOptions, EtcdKv, KeyValue } from "./client.ts";
import { EtcdError } from "./errors.ts";
import { EtcdPublisher } from "./publisher.ts";
import { parseEtcdSettings } from "./settings.ts";
import type { PublishableContainer } from "./summary.ts";

/** An in-memory etcd with leases; `down` makes every call fail like a refused connection. */
class FakeEtcd implements EtcdKv {
  readonly endpoint = "http://fake:2379";
  readonly kv = new Map<string, { value: string; lease: string }>();
  readonly leases = new Map<string, number>();
  readonly calls: string[] = [];
  down = false;
  closed = false;
  #next = 100;

  #call(op: string): void {
    this.calls.push(op);
    if (this.down) {
      throw new EtcdError({
        kind: "connect",
        operation: op,
        endpoint: this.endpoint,
        detail: "Connection refused",
      });
    }
  }
  put(key: string, value: string, opts: CallOptions & { lease?: string } = {}): Promise<void> {
    this.#call(`put ${key}`);
    const lease = opts.lease ?? "0";
    if (lease !== "0" && !this.leases.has(lease)) {
      throw new EtcdError({
        kind: "not-found",
        operation: `put ${key}`,
        endpoint: this.endpoint,
        detail: "etcdserver: requested lease not found",
      });
    }
    this.kv.set(key, { value, lease });
    return Promise.resolve();
  }
  getPrefix(prefix: string): Promise<KeyValue[]> {
    this.#call(`range ${prefix}`);
    return Promise.resolve(
      [...this.kv].filter(([k]) => k.startsWith(prefix)).sort().map(([key, v]) => ({
        key,
        ...v,
        modRevision: "1",
      })),
    );
  }
  delete(key: string): Promise<number> {
    this.#call(`delete ${key}`);
    return Promise.resolve(this.kv.delete(key) ? 1 : 0);
  }
  leaseGrant(ttl: number): Promise<{ id: string; ttl: number }> {
    this.#call("grant");
    const id = String(this.#next++);
    this.leases.set(id, ttl);
    return Promise.resolve({ id, ttl });
  }
  leaseKeepAlive(id: string): Promise<number> {
    this.#call(`keepalive ${id}`);
    return Promise.resolve(this.leases.get(id) ?? 0);
  }
  leaseRevoke(id: string): Promise<void> {
    this.#call(`revoke ${id}`);
    this.expire(id);
    return Promise.resolve();
  }
  /** The lease ends: its keys go. */
  expire(id: string): void {
    this.leases.delete(id);
    for (const [k, v] of this.kv) if (v.lease === id) this.kv.delete(k);
  }
  close(): void {
    this.closed = true;
  }
}

function memLog(): { log: Log; lines: string[] } {
  const lines: string[] = [];
  const make = (): Log => {
    const put = (level: string) => (m: string, f?: LogFields) =>
      void lines.push(`${level} ${m} ${JSON.stringify(f ?? {})}`);
    return {
      debug: put("debug"),
      info: put("info"),
      warn: put("warn"),
      error: put("error"),
      child: make,
    };
  };
  return { log: make(), lines };
}

function container(name: string): PublishableContainer {
  return {
    hostId: "h1",
    id: name.padEnd(64, "0"),
    name,
    image: "busybox",
    imageId: "",
    labels: {},
    pid: 1,
    running: true,
    status: "running",
    exitCode: 0,
    health: "none",
    networks: {},
    ports: [],
    primaryIp: "",
    sandboxKey: "",
    networkMode: "bridge",
    createdAt: "",
    startedAt: "",
    finishedAt: "",
    hostname: "",
  };
}

function setup(ttl = "2s") {
  const r = parseEtcdSettings({ endpoints: ["http://fake:2379"], prefix: "/r", ttl });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  const etcd = new FakeEtcd();
  const { log, lines } = memLog();
  const p = new EtcdPublisher(r.settings, {
    log,
    hostInfo: (hostId) => ({ hostId, engineName: "node-1" }),
    openClient: () => Promise.resolve(etcd),
    backoff: { baseMs: 10, capMs: 20, minMs: 5 },
  });
  return { p, etcd, lines };
}

const timeout = () => AbortSignal.timeout(10_000);

Deno.test("EtcdPublisher publishes on one lease and deletes a removed container's key", async () => {
  const { p, etcd } = setup();
  try {
    p.start();
    p.sync("h1", [container("web"), container("db")]);
    await p.settled(timeout());
    const lease = p.status().leaseId!;
    assert.deepEqual([...etcd.kv.keys()].sort(), ["/r/h1/db", "/r/h1/web"]);
    assert.ok([...etcd.kv.values()].every((v) => v.lease === lease));
    p.remove("h1", container("db").id);
    p.remove("h1", "unknown");
    await p.settled(timeout());
    assert.deepEqual([...etcd.kv.keys()], ["/r/h1/web"]);
    assert.ok(etcd.calls.includes("delete /r/h1/db"));
  } finally {
    await p.close();
  }
});

Deno.test("EtcdPublisher replaces a lease that expired and publishes every key again", async () => {
  const { p, etcd, lines } = setup();
  try {
    p.start();
    p.sync("h1", [container("web")]);
    await p.settled(timeout());
    const first = p.status().leaseId!;
    etcd.expire(first);
    assert.equal(etcd.kv.size, 0);
    const deadline = Date.now() + 10_000;
    while (etcd.kv.size === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(etcd.kv.get("/r/h1/web")?.lease, p.status().leaseId);
    assert.notEqual(p.status().leaseId, first);
    assert.equal(p.status().leasesGranted, 2);
    assert.ok(lines.some((l) => l.includes("requested lease not found")), lines.join("\n"));
  } finally {
    await p.close();
  }
});

Deno.test("EtcdPublisher waits out an outage, logs it once, and applies what changed meanwhile", async () => {
  const { p, etcd, lines } = setup();
  try {
    etcd.down = true;
    p.start();
    p.sync("h1", [container("web")]);
    const deadline = Date.now() + 10_000;
    while (etcd.calls.length < 5 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(p.status().state, "down");
    assert.match(p.status().lastError!, /Connection refused/);
    assert.equal(p.status().settled, false);
    assert.equal(lines.filter((l) => l.startsWith("warn")).length, 1, lines.join("\n"));
    p.sync("h1", [container("web"), container("api")]);
    etcd.down = false;
    await p.settled(timeout());
    assert.deepEqual([...etcd.kv.keys()].sort(), ["/r/h1/api", "/r/h1/web"]);
    assert.equal(p.status().state, "up");
    assert.equal(p.status().lastError, undefined);
  } finally {
    await p.close();
  }
});

Deno.test("EtcdPublisher.close() revokes the lease once; settled() rejects afterwards", async () => {
  const { p, etcd } = setup();
  const stop = new AbortController();
  p.start(stop.signal);
  p.sync("h1", [container("web")]);
  await p.settled(timeout());
  stop.abort(); // the same as close()
  await p.close();
  await p.close();
  assert.equal(etcd.kv.size, 0);
  assert.equal(etcd.calls.filter((c) => c.startsWith("revoke")).length, 1);
  assert.ok(etcd.closed);
  assert.equal(p.status().state, "closed");
  await assert.rejects(p.settled(), /publisher is closed/);
});

Deno.test("EtcdPublisher.settled() honours its abort signal", async () => {
  const { p, etcd } = setup();
  try {
    etcd.down = true;
    p.start();
    p.sync("h1", [container("web")]);
    const ctl = new AbortController();
    const waiting = p.settled(ctl.signal);
    ctl.abort(new Error("gave up"));
    await assert.rejects(waiting, /gave up/);
  } finally {
    await p.close();
  }
});
