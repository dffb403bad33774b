/**
 * The etcd publisher as a process (tests/etcd/publisher_main.ts) fed from a real private dockerd,
 * against a real private etcd, checked with etcdctl: records of real containers, a stopped
 * container's key going, a container removed while the publisher was down reconciled away on
 * restart, and every key vanishing after the publisher is SIGKILLed (its lease expires).
 */
import assert from "node:assert/strict";
import { startDockerd, waitFor } from "../harness/dockerd.ts";
import { startEtcd } from "../harness/etcd.ts";
import { startDeno, type TestProcess } from "../harness/process.ts";

const PREFIX = "/reactor/e2e";

function leaseOf(p: TestProcess, names: string[]): string {
  const want = JSON.stringify(names);
  const lines = p.output().split("\n").filter((l) => l.startsWith('{"synced":'));
  for (const l of lines.reverse()) {
    const v = JSON.parse(l) as { synced: string[]; lease: string };
    if (JSON.stringify(v.synced) === want) return v.lease;
  }
  throw new Error(`no synced line for ${want} in:\n${p.output().slice(-2000)}`);
}

Deno.test("etcd publisher process: real containers published, stale keys reconciled, keys gone after SIGKILL", async () => {
  const dockerd = await startDockerd();
  const etcd = await startEtcd();
  const procs: TestProcess[] = [];
  const run = (ttl: string) => {
    const settings = { endpoints: [etcd.endpoint], prefix: PREFIX, ttl };
    const p = startDeno("tests/etcd/publisher_main.ts", [
      dockerd.host,
      "h1",
      JSON.stringify(settings),
    ]);
    procs.push(p);
    return p;
  };
  const keys = async () => Object.keys(await etcd.getPrefix(`${PREFIX}/`)).sort();
  try {
    const webId = await dockerd.runContainer("web", {
      labels: { "com.example.role": "front" },
      args: ["-p", "127.0.0.1::80", "--expose", "8443"],
      cmd: ["httpd", "-f", "-p", "80"],
    });
    await dockerd.runContainer("db");
    const engine = await dockerd.docker("info", "-f", "{{.Name}}");
    const startedAt = await dockerd.docker("inspect", "-f", "{{.State.StartedAt}}", "web");

    // 1. Records of real containers, on the publisher's lease (long TTL: it must outlive step 3).
    const p1 = run("30s");
    await p1.waitForOutput(/"synced":\["db","web"\]/);
    const lease1 = leaseOf(p1, ["db", "web"]);
    const kv = await etcd.getPrefix(`${PREFIX}/`);
    assert.deepEqual(Object.keys(kv).sort(), [`${PREFIX}/h1/db`, `${PREFIX}/h1/web`]);
    assert.equal(kv[`${PREFIX}/h1/web`]!.lease, lease1);
    const web = JSON.parse(kv[`${PREFIX}/h1/web`]!.value);
    assert.equal(web.id, webId);
    assert.equal(web.name, "web");
    assert.equal(web.image, "busybox:latest");
    assert.deepEqual(web.labels, { "com.example.role": "front" });
    assert.equal(web.hostId, "h1");
    assert.equal(web.engine, engine);
    assert.equal(web.startedAt, startedAt);
    assert.deepEqual(Object.keys(web.networks), ["bridge"]);
    assert.ok(
      web.networks.bridge.ip.startsWith(`${dockerd.subnetPrefix}.`),
      web.networks.bridge.ip,
    );
    assert.deepEqual(web.networks.bridge.ports, [
      { port: 80, protocol: "tcp" },
      { port: 8443, protocol: "tcp" },
    ]);
    assert.equal(web.published.length, 1);
    assert.equal(web.published[0].port, 80);
    assert.equal(web.published[0].hostIp, "127.0.0.1");
    assert.ok(web.published[0].hostPort > 0);

    // 2. A stopped container's key goes.
    await dockerd.docker("stop", "-t", "1", "db");
    await waitFor(async () => (await keys()).join() === `${PREFIX}/h1/web`, {
      what: "db's key deleted after docker stop",
    });

    // 3. Killed; a container removed and another started while it is down; restart reconciles.
    p1.kill("SIGKILL");
    await p1.wait();
    await dockerd.docker("rm", "-f", "web");
    await dockerd.runContainer("api");
    assert.deepEqual(await keys(), [`${PREFIX}/h1/web`], "web's key outlives the killed publisher");
    const p2 = run("3s");
    await p2.waitForOutput(/"synced":\["api"\]/);
    assert.deepEqual(await keys(), [`${PREFIX}/h1/api`]);
    // The old lease is still alive: web's key went by reconciliation, not by expiry.
    assert.ok(
      (await etcd.leaseTtl(lease1)) > 0,
      "the killed publisher's lease has not expired yet",
    );
    const lease2 = leaseOf(p2, ["api"]);
    assert.notEqual(lease2, lease1);

    // 4. SIGKILL: nothing revokes the lease, its TTL runs out and every key goes.
    p2.kill("SIGKILL");
    await p2.wait();
    // At most the 3 s TTL is left (-1: it already ran out); nothing extends it any more.
    const ttl = await etcd.leaseTtl(lease2);
    assert.ok(ttl <= 3, `lease TTL ${ttl}`);
    await waitFor(async () => (await keys()).length === 0, {
      what: "every key gone once the lease expired",
      timeoutMs: 30_000,
    });
    assert.equal(await etcd.leaseTtl(lease2), -1);
  } finally {
    for (const p of procs) {
      p.kill("SIGKILL");
      await p.wait();
    }
    await etcd.close();
    await dockerd.close();
  }
});
