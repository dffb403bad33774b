/**
 * EtcdClient against a real private etcd (checked with etcdctl): KV and lease round trips,
 * failover, TLS with verification, authentication and re-authentication.
 */
import assert from "node:assert/strict";
import { EtcdClient, readEtcdTls } from "../../lib/etcd/client.ts";
import { EtcdError } from "../../lib/etcd/errors.ts";
import { freePort, rejectsWith, startEtcd } from "../harness/etcd.ts";

Deno.test("EtcdClient: put, getPrefix, delete and leases on a real etcd", async () => {
  const etcd = await startEtcd();
  const c = new EtcdClient({ endpoints: [etcd.endpoint] });
  try {
    await c.put("/reactor/a/é", JSON.stringify({ x: "ünï" }));
    await c.put("/reactor/a0", "not under /reactor/a/");
    await c.put("/reactor/a/b", "2");
    const kvs = await c.getPrefix("/reactor/a/");
    assert.deepEqual(kvs.map((k) => [k.key, k.value]), [
      ["/reactor/a/b", "2"],
      ["/reactor/a/é", '{"x":"ünï"}'],
    ]);
    assert.deepEqual((await etcd.getPrefix("/reactor/a/"))["/reactor/a/é"]?.value, '{"x":"ünï"}');

    const lease = await c.leaseGrant(5);
    assert.ok(lease.ttl >= 5);
    assert.ok(BigInt(lease.id) > 0n);
    await c.put("/reactor/l/k", "v", { lease: lease.id });
    assert.deepEqual((await etcd.getPrefix("/reactor/l/"))["/reactor/l/k"]?.lease, lease.id);
    assert.deepEqual((await c.getPrefix("/reactor/l/"))[0]?.lease, lease.id);
    assert.ok(await c.leaseKeepAlive(lease.id) >= 5);
    await c.leaseRevoke(lease.id);
    assert.deepEqual(await etcd.getPrefix("/reactor/l/"), {});
    assert.deepEqual(await c.leaseKeepAlive(lease.id), 0);
    await c.leaseRevoke(lease.id); // already gone: not an error
    const err = await rejectsWith(() => c.put("/reactor/l/k", "v", { lease: lease.id }), EtcdError);
    assert.ok(err.leaseNotFound, err.message);
    assert.match(
      err.message,
      /^Cannot put key "\/reactor\/l\/k" on etcd http:\/\/127\.0\.0\.1:\d+: /,
    );

    assert.deepEqual(await c.delete("/reactor/a/b"), 1);
    assert.deepEqual(await c.delete("/reactor/a/b"), 0);
  } finally {
    c.close();
    await etcd.close();
  }
});

Deno.test("EtcdClient: fails over to the next endpoint and names every endpoint when all fail", async () => {
  const etcd = await startEtcd();
  const dead = `http://127.0.0.1:${freePort()}`;
  const c = new EtcdClient({ endpoints: [dead, etcd.endpoint], timeoutMs: 2000 });
  try {
    await c.put("/reactor/f", "1");
    assert.deepEqual(c.endpoint, etcd.endpoint);
    await etcd.stop();
    const err = await rejectsWith(() => c.getPrefix("/reactor/"), EtcdError);
    assert.deepEqual(err.kind, "unavailable");
    assert.ok(err.message.includes(dead) && err.message.includes(etcd.endpoint), err.message);
    assert.match(err.message, /— check hooks\.etcd\.endpoints/);
  } finally {
    c.close();
    await etcd.close();
  }
});

Deno.test("EtcdClient: TLS with client certificates; verification stays on", async () => {
  const etcd = await startEtcd({ tls: true });
  const tls = await readEtcdTls(etcd.tls!);
  const c = new EtcdClient({ endpoints: [etcd.endpoint], tls });
  const noCa = new EtcdClient({
    endpoints: [etcd.endpoint],
    tls: { cert: tls.cert, key: tls.key },
  });
  try {
    await c.put("/reactor/tls", "ok");
    assert.deepEqual((await etcd.getPrefix("/reactor/tls"))["/reactor/tls"]?.value, "ok");
    const err = await rejectsWith(() => noCa.put("/reactor/tls", "x"), EtcdError);
    assert.deepEqual(err.kind, "connect");
    assert.match(err.message, /certificate|issuer/i);
    assert.match(err.message, /— check hooks\.etcd\.tls/);
  } finally {
    c.close();
    noCa.close();
    await etcd.close();
  }
});

Deno.test("EtcdClient: authenticates, re-authenticates after its token is invalidated, and never shows the password", async () => {
  const etcd = await startEtcd({ auth: true });
  const { username, password } = etcd.user!;
  const c = new EtcdClient({ endpoints: [etcd.endpoint], username, password });
  const bad = new EtcdClient({ endpoints: [etcd.endpoint], username, password: "wrong-secret" });
  const anon = new EtcdClient({ endpoints: [etcd.endpoint] });
  try {
    const lease = await c.leaseGrant(10);
    await c.put("/reactor/auth/k", "1", { lease: lease.id });
    assert.deepEqual((await etcd.getPrefix("/reactor/auth/"))["/reactor/auth/k"]?.value, "1");
    // Disabling and enabling auth drops every simple token: the old one is now invalid.
    await etcd.etcdctl("auth", "disable");
    await etcd.etcdctl("auth", "enable");
    await c.put("/reactor/auth/k", "2", { lease: lease.id });
    assert.deepEqual((await etcd.getPrefix("/reactor/auth/"))["/reactor/auth/k"]?.value, "2");
    assert.ok(await c.leaseKeepAlive(lease.id) > 0);

    const perm = await rejectsWith(() => c.put("/elsewhere", "x"), EtcdError);
    assert.deepEqual(perm.kind, "permission");
    assert.match(perm.message, /grant the etcd user readwrite/);

    const err = await rejectsWith(() => bad.put("/reactor/auth/k", "x"), EtcdError);
    assert.deepEqual(err.kind, "auth");
    assert.match(
      err.message,
      /authenticate as user "reactor".*— check hooks\.etcd\.username and password/,
    );
    assert.ok(!err.message.includes("wrong-secret"));

    const e2 = await rejectsWith(() => anon.put("/reactor/auth/k", "x"), EtcdError);
    assert.match(e2.message, /— etcd has authentication enabled: set hooks\.etcd\.username/);
  } finally {
    c.close();
    bad.close();
    anon.close();
    await etcd.close();
  }
});
