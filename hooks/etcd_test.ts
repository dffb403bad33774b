import assert from "node:assert/strict";
import { loadConfig } from "../lib/config/load.ts";
import { ConfigError } from "../lib/errors.ts";
import type { EtcdKv, KeyValue } from "../lib/etcd/client.ts";
import { parseEtcdSettings } from "../lib/etcd/settings.ts";
import { waitFor } from "../tests/harness/dockerd.ts";
import { fakeRuntime, runningContainer } from "./_fake_runtime.ts";
import { describeEtcd, etcd, etcdHook, etcdSettingsFromGlue } from "./etcd.ts";
import { BUILTIN_HOOKS } from "./mod.ts";

/** Just enough etcd: keys with leases. */
class MemEtcd implements EtcdKv {
  readonly endpoint = "http://mem:2379";
  readonly kv = new Map<string, { value: string; lease: string }>();
  readonly leases = new Set<string>();
  readonly revoked: string[] = [];
  #next = 1;
  put(key: string, value: string, opts: { lease?: string } = {}): Promise<void> {
    this.kv.set(key, { value, lease: opts.lease ?? "0" });
    return Promise.resolve();
  }
  getPrefix(prefix: string): Promise<KeyValue[]> {
    return Promise.resolve(
      [...this.kv].filter(([k]) => k.startsWith(prefix)).map(([key, v]) => ({
        key,
        ...v,
        modRevision: "1",
      })),
    );
  }
  delete(key: string): Promise<number> {
    return Promise.resolve(this.kv.delete(key) ? 1 : 0);
  }
  leaseGrant(ttl: number): Promise<{ id: string; ttl: number }> {
    const id = String(this.#next++);
    this.leases.add(id);
    return Promise.resolve({ id, ttl });
  }
  leaseKeepAlive(id: string): Promise<number> {
    return Promise.resolve(this.leases.has(id) ? 30 : 0);
  }
  leaseRevoke(id: string): Promise<void> {
    this.revoked.push(id);
    this.leases.delete(id);
    for (const [k, v] of this.kv) if (v.lease === id) this.kv.delete(k);
    return Promise.resolve();
  }
  close(): void {}
}

function settings() {
  const r = parseEtcdSettings({ endpoints: ["http://mem:2379"], prefix: "/p", ttl: "30s" });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.settings;
}

Deno.test("etcdHook publishes a host only once it is listed, follows stops, revokes on close", async () => {
  const mem = new MemEtcd();
  const f = fakeRuntime(["h1", "h2"]);
  const hook = etcdHook(settings(), { openClient: () => Promise.resolve(mem) });
  const published = () => [...mem.kv.keys()].sort();
  const runs = () => f.observed.filter((o) => o.kind === "hook" && o.hook === "etcd");
  try {
    await hook.start!(f.rt);
    const web = runningContainer("h1", "web");
    f.inventory.upsert(web, "start"); // h1 not listed yet: its view may be partial
    f.inventory.upsert(runningContainer("h2", "db"), "start");
    f.inventory.resynced("h2", new Set([runningContainer("h2", "db").id]));
    await waitFor(() => published().join() === "/p/h2/db", { what: "h2 published" });
    await waitFor(() => runs().some((o) => o.kind === "hook" && o.outcome === "ok"), {
      what: "the publish reported as an ok run of hook etcd",
    });
    assert.deepEqual(published(), ["/p/h2/db"], "h1 is not published before its resync");

    f.inventory.resynced("h1", new Set([web.id]));
    await waitFor(() => published().includes("/p/h1/web"), { what: "h1 published" });
    const record = JSON.parse(mem.kv.get("/p/h1/web")!.value);
    assert.equal(record.engine, "engine-h1");
    assert.equal(record.hostId, "h1");

    f.inventory.stopped("h1", web.id);
    await waitFor(() => !published().includes("/p/h1/web"), { what: "stopped: key deleted" });
  } finally {
    await hook.close!();
  }
  assert.equal(mem.revoked.length, 1);
  assert.deepEqual(published(), []);
});

Deno.test("etcdHook: a reload with the same settings keeps the publisher and its lease", async () => {
  const mem = new MemEtcd();
  const f = fakeRuntime(["h1"]);
  const open = () => Promise.resolve(mem);
  const before = etcdHook(settings(), { openClient: open });
  const after = etcdHook(settings(), { openClient: open });
  try {
    await before.start!(f.rt);
    const c = runningContainer("h1", "web");
    f.inventory.upsert(c, "start");
    f.inventory.resynced("h1", new Set([c.id]));
    await waitFor(() => mem.kv.has("/p/h1/web"), { what: "published" });
    // the engine starts the new hook, then closes the old one
    await after.start!(f.rt);
    await before.close!();
    assert.deepEqual(mem.revoked, [], "no revoke while the new hook holds the publisher");
    assert.ok(mem.kv.has("/p/h1/web"));
    assert.equal(mem.leases.size, 1);
  } finally {
    await after.close!();
    await before.close!();
  }
  assert.equal(mem.revoked.length, 1);
});

Deno.test("etcdHook stops when the engine's signal aborts", async () => {
  const mem = new MemEtcd();
  const f = fakeRuntime(["h1"]);
  const hook = etcdHook(settings(), { openClient: () => Promise.resolve(mem) });
  await hook.start!(f.rt);
  const c = runningContainer("h1", "web");
  f.inventory.upsert(c, "start");
  f.inventory.resynced("h1", new Set([c.id]));
  await waitFor(() => mem.kv.has("/p/h1/web"), { what: "published" });
  f.stop();
  await hook.close!(); // the same closing, already under way
  assert.equal(mem.revoked.length, 1);
});

async function loadYaml(text: string) {
  const dir = await Deno.makeTempDir({ prefix: "rx-etcd-hook-" });
  try {
    await Deno.writeTextFile(`${dir}/r.yaml`, text);
    return await loadConfig([`${dir}/r.yaml`], {
      registry: BUILTIN_HOOKS,
      hosts: { env: {}, home: "/root" },
      insecure: true,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function problems(text: string): Promise<string[]> {
  try {
    (await loadYaml(text)).close();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => p.replace(/^.*r\.yaml:/, ""));
    throw err;
  }
  return [];
}

Deno.test("hooks.etcd: problems at their line and field, the password never echoed", async () => {
  assert.deepEqual(
    await problems(
      "hooks:\n  etcd:\n    endpoints: [10.0.0.2:2379]\n    ttl: 1s\n    password: 12345\n",
    ),
    [
      `3:17: hooks.etcd.endpoints[0]: "10.0.0.2:2379" has no scheme — write http://10.0.0.2:2379 or https://10.0.0.2:2379`,
      '4:10: hooks.etcd.ttl: 1s is out of range — use 2s to 24h; keys vanish this long after reactor dies, e.g. "30s"',
      "5:15: hooks.etcd.password: the password must be a non-empty string — quote it",
    ],
  );
  assert.deepEqual(
    await problems(
      "hooks:\n  etcd:\n    endpoints: [https://e:2379]\n    tls: { ca: /nonexistent/ca.pem }\n",
    ),
    [
      "4:16: hooks.etcd.tls.ca: cannot read /nonexistent/ca.pem: no such file — give the path of a PEM file",
    ],
  );
  assert.deepEqual(await problems("hooks:\n  etcd: true\n"), [
    "2:9: hooks.etcd.endpoints: is required — e.g. endpoints: [https://10.0.0.2:2379, https://10.0.0.3:2379]",
  ]);
});

Deno.test("hooks.etcd: valid settings, off by default, described without the password", async () => {
  const off = await loadYaml("events_reactor:\n  r:\n    run: [x]\n");
  off.close();
  assert.equal(off.builtins["etcd"], undefined);
  const cfg = await loadYaml(
    "hooks:\n  etcd:\n    endpoints: [https://e1:2379, https://e2]\n    username: u\n    password: s3cret-pw\n",
  );
  cfg.close();
  const on = cfg.hooks.find((h) => h.hook === etcd)!;
  const line = etcd.describe(on.settings as Parameters<typeof etcd.describe>[0]);
  assert.equal(
    line,
    "endpoints=https://e1:2379,https://e2:2379 prefix=/reactor/containers ttl=30s keyTemplate={prefix}/{hostId}/{name} username=u password=(set)",
  );
  assert.doesNotMatch(line, /s3cret/);
});

Deno.test("etcdSettingsFromGlue() reads a Glue INI [params] section (snake_case, strings)", () => {
  const r = etcdSettingsFromGlue({
    endpoints: "http://10.0.0.2:2379, http://10.0.0.3:2379",
    prefix: "/glue",
    ttl: "10",
    key_template: "{prefix}/{hostId}/{shortId}",
  });
  assert.ok(r.ok);
  assert.deepEqual(r.settings.endpoints, ["http://10.0.0.2:2379", "http://10.0.0.3:2379"]);
  assert.equal(r.settings.ttlSeconds, 10);
  assert.equal(describeEtcd(r.settings).includes("keyTemplate={prefix}/{hostId}/{shortId}"), true);
  const bad = etcdSettingsFromGlue({ clientParams: "(('10.0.0.9', 4001),)" });
  assert.ok(!bad.ok);
  assert.match(
    bad.problems.map((p) => p.message).join("\n"),
    /endpoints=http:\/\/10\.0\.0\.9:2379/,
  );
});
