/**
 * The etcd hook in the REAL daemon (`reactor run` with `hooks.etcd`) against a private dockerd
 * and a private etcd, checked with etcdctl: records of real containers with the right JSON, a
 * stopped container's key going, etcd restarted (and wiped) mid-run, a container removed while
 * reactor was down reconciled away on restart, every key vanishing within the TTL after reactor
 * is SIGKILLed, and at once after a clean stop (the lease is revoked).
 */
import assert from "node:assert/strict";
import { startDockerd, waitFor } from "../harness/dockerd.ts";
import { startEtcd } from "../harness/etcd.ts";
import { type ReactorDaemon, sample, startReactor } from "../harness/reactor_daemon.ts";

const PREFIX = `/reactor/d${Deno.pid}`;
const H = "default";

Deno.test("reactor run with hooks.etcd: records, stop, etcd restarts, restart reconcile, keys gone after SIGKILL and after a clean stop", async (t) => {
  const dockerd = await startDockerd();
  const etcd = await startEtcd();
  const daemons: ReactorDaemon[] = [];
  const config = (ttl: string) =>
    `hooks:\n  etcd:\n    endpoints: [${JSON.stringify(etcd.endpoint)}]\n` +
    `    prefix: ${PREFIX}\n    ttl: ${ttl}\n`;
  let dir: string | undefined;
  const run = async (ttl: string) => {
    const r = await startReactor({ dockerHost: dockerd.host, config: config(ttl), dir });
    dir = r.dir;
    daemons.push(r);
    return r;
  };
  const keys = async () => Object.keys(await etcd.getPrefix(`${PREFIX}/`)).sort();
  const names = (...n: string[]) => n.map((x) => `${PREFIX}/${H}/${x}`).sort();
  const keysAre = (what: string, want: string[], timeoutMs?: number) =>
    waitFor(async () => (await keys()).join() === want.join(), { what, timeoutMs }).catch(
      async (err) => {
        throw new Error(`${err.message}: have ${(await keys()).join()}`);
      },
    );
  try {
    const webId = await dockerd.runContainer("web", {
      labels: { "com.example.role": "front" },
      args: ["-p", "127.0.0.1::80", "--expose", "8443"],
      cmd: ["httpd", "-f", "-p", "80"],
    });
    await dockerd.runContainer("db");
    const engine = await dockerd.docker("info", "-f", "{{.Name}}");
    const startedAt = await dockerd.docker("inspect", "-f", "{{.State.StartedAt}}", "web");
    let r = await run("30s");
    let lease1 = "", lease2 = "";

    await t.step("running containers are published with the right JSON, on one lease", async () => {
      await keysAre("db and web published", names("db", "web"));
      const kv = await etcd.getPrefix(`${PREFIX}/`);
      lease1 = kv[`${PREFIX}/${H}/web`]!.lease;
      assert.notEqual(lease1, "0");
      assert.equal(kv[`${PREFIX}/${H}/db`]!.lease, lease1);
      assert.ok((await etcd.leaseTtl(lease1)) > 0);
      const web = JSON.parse(kv[`${PREFIX}/${H}/web`]!.value);
      assert.deepEqual(Object.keys(web), [
        "id",
        "name",
        "image",
        "labels",
        "networks",
        "published",
        "hostId",
        "engine",
        "startedAt",
      ]);
      assert.equal(web.id, webId);
      assert.equal(web.name, "web");
      assert.equal(web.image, "busybox:latest");
      assert.deepEqual(web.labels, { "com.example.role": "front" });
      assert.equal(web.hostId, H);
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
      assert.deepEqual(
        { ...web.published[0], hostPort: 0 },
        { port: 80, protocol: "tcp", hostIp: "127.0.0.1", hostPort: 0 },
      );
      assert.ok(web.published[0].hostPort > 0);
      // each publish is a run of hook "etcd" in the metrics
      const text = await r.scrape();
      assert.ok(
        (sample(text, `reactor_hook_runs_total{hook="etcd",rule="",outcome="ok"}`) ?? 0) >= 1,
        text.split("\n").filter((l) => l.includes("hook_runs")).join("\n"),
      );
    });

    await t.step("a started container's key appears; a stopped one's goes", async () => {
      await dockerd.runContainer("api");
      await keysAre("api published", names("api", "db", "web"));
      await dockerd.docker("stop", "-t", "0", "db");
      await keysAre("db's key deleted after docker stop", names("api", "web"));
    });

    await t.step("etcd restarted mid-run: changes made meanwhile are published", async () => {
      await etcd.stop();
      await dockerd.runContainer("late");
      await dockerd.docker("rm", "-f", "api");
      await etcd.start();
      await keysAre("state after the etcd restart", names("late", "web"), 60_000);
    });

    await t.step("etcd restarted empty (data lost): a new lease, every key back", async () => {
      const before = (await etcd.getPrefix(`${PREFIX}/`))[`${PREFIX}/${H}/web`]!.lease;
      await etcd.stop();
      await etcd.wipe();
      await etcd.start();
      // noticed at the next keepalive (TTL/3) at the latest
      await keysAre("every key republished", names("late", "web"), 60_000);
      const kv = await etcd.getPrefix(`${PREFIX}/`);
      lease1 = kv[`${PREFIX}/${H}/web`]!.lease;
      assert.notEqual(lease1, before, "a new lease");
      assert.equal(kv[`${PREFIX}/${H}/late`]!.lease, lease1);
    });

    await t.step(
      "killed; a container removed while down is reconciled away on restart",
      async () => {
        await r.kill();
        await dockerd.docker("rm", "-f", "web");
        await dockerd.runContainer("api2");
        assert.deepEqual(
          await keys(),
          names("late", "web"),
          "web's key outlives the killed daemon",
        );
        r = await run("3s");
        await keysAre("reconciled after restart", names("api2", "late"));
        // web's key went by reconciliation: the killed daemon's lease has not expired yet
        assert.ok((await etcd.leaseTtl(lease1)) > 0, "the old lease is still alive");
        lease2 = (await etcd.getPrefix(`${PREFIX}/`))[`${PREFIX}/${H}/late`]!.lease;
        assert.notEqual(lease2, lease1);
      },
    );

    await t.step("SIGKILL: every key vanishes within the TTL", async () => {
      await r.kill();
      const ttl = await etcd.leaseTtl(lease2);
      assert.ok(ttl <= 3, `lease TTL ${ttl}`);
      await keysAre("every key gone once the lease expired", [], 30_000);
      assert.equal(await etcd.leaseTtl(lease2), -1);
    });

    await t.step("a clean stop revokes the lease: the keys go at once", async () => {
      r = await run("30s");
      await keysAre("published again", names("api2", "late"));
      const lease = (await etcd.getPrefix(`${PREFIX}/`))[`${PREFIX}/${H}/late`]!.lease;
      assert.equal(await r.stop(), 0, r.proc.output().slice(-2000));
      assert.deepEqual(await keys(), []);
      assert.equal(await etcd.leaseTtl(lease), -1);
      assert.doesNotMatch(r.proc.output(), /"level":"error"/);
    });
  } finally {
    for (const d of daemons) await d.kill();
    await etcd.close();
    await dockerd.close();
    if (dir) await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
