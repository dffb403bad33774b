/**
 * EtcdPublisher in-process against a real private etcd, checked with etcdctl: records, removal,
 * reconciliation of stale keys, a lost lease, etcd restarts (with and without its data), TLS
 * with a limited user, and close() revoking the lease.
 */
import assert from "node:assert/strict";
import { EtcdPublisher } from "../../lib/etcd/publisher.ts";
import { type EtcdSettings, parseEtcdSettings } from "../../lib/etcd/settings.ts";
import { containerRecord, recordJson } from "../../lib/etcd/summary.ts";
import { waitFor } from "../harness/dockerd.ts";
import { startEtcd, type TestEtcd } from "../harness/etcd.ts";
import { fakeContainer, memoryLog } from "./helpers.ts";

const HOST = { hostId: "h1", engineName: "node-1" };
const FAST = { baseMs: 100, capMs: 500, minMs: 50 };

function settingsFor(etcd: TestEtcd, extra: Record<string, unknown> = {}): EtcdSettings {
  const r = parseEtcdSettings({
    endpoints: [etcd.endpoint],
    prefix: "/reactor/t",
    ttl: "5s",
    ...extra,
  });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.settings;
}

function publisher(settings: EtcdSettings) {
  const mem = memoryLog();
  const p = new EtcdPublisher(settings, { log: mem.log, hostInfo: () => HOST, backoff: FAST });
  return { p, mem };
}

Deno.test("EtcdPublisher: records appear with the right JSON on one lease, removed ones go, close() revokes", async () => {
  const etcd = await startEtcd();
  const { p } = publisher(settingsFor(etcd));
  try {
    const web = fakeContainer("web");
    const db = fakeContainer("db");
    const stopped = fakeContainer("old", { running: false });
    p.start();
    p.sync("h1", [web, db, stopped]);
    await p.settled(AbortSignal.timeout(30_000));
    const lease = p.status().leaseId!;
    let kv = await etcd.getPrefix("/reactor/t/");
    assert.deepEqual(Object.keys(kv).sort(), ["/reactor/t/h1/db", "/reactor/t/h1/web"]);
    assert.equal(kv["/reactor/t/h1/web"]!.value, recordJson(containerRecord(web, HOST)));
    assert.equal(kv["/reactor/t/h1/web"]!.lease, lease);
    assert.equal(kv["/reactor/t/h1/db"]!.lease, lease);
    const rec = JSON.parse(kv["/reactor/t/h1/web"]!.value);
    assert.equal(rec.name, "web");
    assert.equal(rec.networks.bridge.ip, "172.17.0.9");
    assert.equal(rec.engine, "node-1");
    assert.ok((await etcd.leaseTtl(lease)) > 0);

    p.remove("h1", db.id);
    await p.settled(AbortSignal.timeout(30_000));
    kv = await etcd.getPrefix("/reactor/t/");
    assert.deepEqual(Object.keys(kv), ["/reactor/t/h1/web"]);

    const relabeled = { ...web, labels: { app: "web", tier: "front" } };
    p.sync("h1", [relabeled]);
    await p.settled(AbortSignal.timeout(30_000));
    kv = await etcd.getPrefix("/reactor/t/");
    assert.equal(JSON.parse(kv["/reactor/t/h1/web"]!.value).labels.tier, "front");
    assert.equal(p.status().state, "up");
    assert.equal(p.status().keys, 1);

    await p.close();
    assert.deepEqual(await etcd.getPrefix("/reactor/t/"), {});
    assert.equal(await etcd.leaseTtl(lease), -1);
    assert.equal(p.status().state, "closed");
  } finally {
    await p.close();
    await etcd.close();
  }
});

Deno.test("EtcdPublisher: reconciling deletes this host's stale records and leaves other keys alone", async () => {
  const etcd = await startEtcd();
  const { p, mem } = publisher(settingsFor(etcd));
  try {
    const record = (name: string, hostId: string, engine: string) =>
      JSON.stringify({ id: name, name, hostId, engine });
    // A container removed while reactor was down (its record has no live lease any more).
    await etcd.etcdctl("put", "/reactor/t/h1/ghost", record("ghost", "h1", "node-1"));
    // Another reactor that uses the same host id, a foreign key, another host, a deeper key.
    await etcd.etcdctl("put", "/reactor/t/h1/alien", record("alien", "h1", "node-2"));
    await etcd.etcdctl("put", "/reactor/t/h1/readme", "hello");
    await etcd.etcdctl("put", "/reactor/t/h2/other", record("other", "h2", "node-1"));
    await etcd.etcdctl("put", "/reactor/t/h1/sub/deep", record("deep", "h1", "node-1"));
    p.start();
    p.sync("h1", [fakeContainer("web")]);
    await p.settled(AbortSignal.timeout(30_000));
    const keys = Object.keys(await etcd.getPrefix("/reactor/t/")).sort();
    assert.deepEqual(keys, [
      "/reactor/t/h1/alien",
      "/reactor/t/h1/readme",
      "/reactor/t/h1/sub/deep",
      "/reactor/t/h1/web",
      "/reactor/t/h2/other",
    ]);
    assert.match(
      mem.text(),
      /two reactors use host id "h1" under one prefix — give the hosts unique ids/,
    );
    assert.match(mem.text(), /readme in host "h1"'s directory is not a reactor record; left alone/);

    p.sync("h1", []);
    await p.settled(AbortSignal.timeout(30_000));
    assert.equal((await etcd.getPrefix("/reactor/t/h1/web"))["/reactor/t/h1/web"], undefined);
  } finally {
    await p.close();
    await etcd.close();
  }
});

Deno.test("EtcdPublisher: a revoked lease is replaced and every key published again", async () => {
  const etcd = await startEtcd();
  const { p, mem } = publisher(settingsFor(etcd, { ttl: "3s" }));
  try {
    p.start();
    p.sync("h1", [fakeContainer("web"), fakeContainer("db")]);
    await p.settled(AbortSignal.timeout(30_000));
    const first = p.status().leaseId!;
    await etcd.etcdctl("lease", "revoke", BigInt(first).toString(16));
    assert.deepEqual(await etcd.getPrefix("/reactor/t/"), {});
    const kv = await waitFor(async () => {
      const kv = await etcd.getPrefix("/reactor/t/");
      return Object.keys(kv).length === 2 ? kv : undefined;
    }, { what: "keys published again on a new lease" });
    const second = p.status().leaseId!;
    assert.notEqual(second, first);
    assert.equal(kv["/reactor/t/h1/web"]!.lease, second);
    assert.equal(p.status().leasesGranted, 2);
    assert.match(mem.text(), /lease \d+ is gone|requested lease not found/);
  } finally {
    await p.close();
    await etcd.close();
  }
});

Deno.test("EtcdPublisher: survives etcd restarts; keys come back even when etcd lost its data", async () => {
  const etcd = await startEtcd();
  const { p, mem } = publisher(settingsFor(etcd, { ttl: "3s" }));
  try {
    p.start();
    p.sync("h1", [fakeContainer("web")]);
    await p.settled(AbortSignal.timeout(30_000));

    // Restart with the same data: the lease survives in etcd.
    await etcd.stop();
    await waitFor(() => p.status().state === "down", { what: "publisher notices etcd is gone" });
    p.sync("h1", [fakeContainer("web"), fakeContainer("api")]); // a change while etcd is down
    await etcd.start();
    await p.settled(AbortSignal.timeout(30_000));
    let kv = await etcd.getPrefix("/reactor/t/");
    assert.deepEqual(Object.keys(kv).sort(), ["/reactor/t/h1/api", "/reactor/t/h1/web"]);
    assert.equal(p.status().state, "up");

    // Restart as an empty cluster: the lease is gone, everything is published again.
    const before = p.status().leaseId;
    await etcd.stop();
    await etcd.wipe();
    await etcd.start();
    await waitFor(async () => {
      kv = await etcd.getPrefix("/reactor/t/");
      return Object.keys(kv).length === 2 && p.status().leaseId !== before;
    }, { what: "keys republished after etcd lost its data", timeoutMs: 30_000 });
    assert.equal(kv["/reactor/t/h1/web"]!.lease, p.status().leaseId);
    assert.match(mem.text(), /reconnected and republished/);
  } finally {
    await p.close();
    await etcd.close();
  }
});

Deno.test("EtcdPublisher: over TLS with client certificates and a user limited to the prefix; the password is never logged", async () => {
  const etcd = await startEtcd({ tls: true, auth: true, authPrefix: "/reactor/" });
  const settings = settingsFor(etcd, {
    tls: etcd.tls,
    username: etcd.user!.username,
    password: etcd.user!.password,
  });
  const { p, mem } = publisher(settings);
  try {
    p.start();
    p.sync("h1", [fakeContainer("web")]);
    await p.settled(AbortSignal.timeout(30_000));
    const kv = await etcd.getPrefix("/reactor/t/");
    assert.equal(kv["/reactor/t/h1/web"]?.lease, p.status().leaseId);
    assert.ok(p.status().endpoint?.startsWith("https://"));
  } finally {
    await p.close();
    await etcd.close();
  }
  assert.ok(mem.lines.length > 0);
  assert.ok(!mem.text().includes(etcd.user!.password));
});
