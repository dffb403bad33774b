import assert from "node:assert/strict";
import {
  ETCD_DEFAULTS,
  type EtcdSettings,
  normalizeEndpoint,
  parseEtcdSettings,
  redactSettings,
  type SettingsProblem,
} from "./settings.ts";

function ok(
  input: unknown,
  format?: "yaml" | "ini",
): { settings: EtcdSettings; warnings: string[] } {
  const r = parseEtcdSettings(input, { format });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r;
}

function problems(input: unknown, format?: "yaml" | "ini"): SettingsProblem[] {
  const r = parseEtcdSettings(input, { format });
  assert.ok(!r.ok, "expected problems");
  for (const p of r.problems) assert.match(p.message, / — \S/, p.message);
  return r.problems;
}

Deno.test("parseEtcdSettings() reads reactor.yaml settings with defaults", () => {
  const { settings, warnings } = ok({ endpoints: ["https://10.0.0.2:2379", "https://etcd-b"] });
  assert.deepEqual(settings.endpoints, ["https://10.0.0.2:2379", "https://etcd-b:2379"]);
  assert.equal(settings.prefix, ETCD_DEFAULTS.prefix);
  assert.equal(settings.ttlSeconds, 30);
  assert.equal(settings.keyTemplate.source, "{prefix}/{hostId}/{name}");
  assert.equal(settings.tls, undefined);
  assert.deepEqual(warnings, []);
});

Deno.test("parseEtcdSettings() reads every YAML key", () => {
  const { settings } = ok({
    endpoints: "https://127.0.0.1:2379/",
    prefix: "/svc/docker/",
    ttl: "1m",
    keyTemplate: "{prefix}/{hostId}/{name}-{shortId}",
    tls: { ca: "/etc/r/ca.pem", cert: "/etc/r/c.pem", key: "/etc/r/c.key" },
    username: "reactor",
    password: "s3cret",
  });
  assert.deepEqual(settings.endpoints, ["https://127.0.0.1:2379"]);
  assert.equal(settings.prefix, "/svc/docker");
  assert.equal(settings.ttlSeconds, 60);
  assert.equal(settings.keyTemplate.source, "{prefix}/{hostId}/{name}-{shortId}");
  assert.deepEqual(settings.tls, {
    ca: "/etc/r/ca.pem",
    cert: "/etc/r/c.pem",
    key: "/etc/r/c.key",
  });
  assert.equal(settings.username, "reactor");
  assert.equal(settings.password, "s3cret");
  const shown = JSON.stringify(redactSettings(settings));
  assert.ok(!shown.includes("s3cret") && shown.includes('"password":"(set)"'), shown);
});

Deno.test("parseEtcdSettings() reads the snake_case [params] of a Glue INI file", () => {
  const { settings, warnings } = ok({
    class: "distconfig.backends.etcd.EtcdBackend",
    endpoints: "https://10.0.0.2:2379, https://10.0.0.3:2379",
    prefix: "/glue",
    ttl: "20",
    key_template: "{prefix}/{hostId}/{id}",
    tls_ca: "/etc/ca.pem",
    tls_cert: "/etc/c.pem",
    tls_key: "/etc/c.key",
    username: "u",
    password: "p",
  }, "ini");
  assert.deepEqual(settings.endpoints, ["https://10.0.0.2:2379", "https://10.0.0.3:2379"]);
  assert.equal(settings.ttlSeconds, 20);
  assert.equal(settings.keyTemplate.source, "{prefix}/{hostId}/{id}");
  assert.deepEqual(settings.tls, { ca: "/etc/ca.pem", cert: "/etc/c.pem", key: "/etc/c.key" });
  assert.match(warnings.join("\n"), /class=.* is ignored/);
});

Deno.test("parseEtcdSettings() turns Glue's python-etcd clientParams into an endpoints hint", () => {
  const ps = problems({
    class: "distconfig.backends.etcd.EtcdBackend",
    clientParams: '{"host": (("10.0.0.2", 4001), ("10.0.0.3", 4001))}',
  }, "ini");
  assert.deepEqual(ps.map((p) => p.path), [["clientParams"], ["endpoints"]]);
  assert.match(ps[0]!.message, /endpoints=http:\/\/10\.0\.0\.2:2379,http:\/\/10\.0\.0\.3:2379/);
  const zk = problems({
    class: "distconfig.backends.zookeeper.ZooKeeperBackend",
    endpoints: "http://a",
  }, "ini");
  assert.match(zk[0]!.message, /only etcd is supported/);
});

Deno.test("parseEtcdSettings() names the key path and the fix of each problem", () => {
  const ps = problems({
    endpoints: ["http://a:2379", "ftp://b", "c:2379", "http://u:p@d", "http://a:2379"],
    prefix: "/x//y",
    ttl: "1500ms",
    keyTemplate: "/etc/{name}",
    tls: { ca: "rel/ca.pem", insecure: true, cert: "/c.pem" },
    username: "u",
    colour: "blue",
  });
  const byPath = new Map(ps.map((p) => [JSON.stringify(p.path), p.message]));
  assert.match(byPath.get('["endpoints",1]')!, /uses ftp:\/\/ — use http:\/\/ or https:\/\//);
  assert.match(byPath.get('["endpoints",2]')!, /has no scheme — write http:\/\/c:2379/);
  assert.match(byPath.get('["endpoints",3]')!, /credentials in the URL — move them to username/);
  assert.match(byPath.get('["endpoints",4]')!, /listed twice/);
  assert.match(byPath.get('["prefix"]')!, /empty, "\." or "\.\." segment/);
  assert.match(byPath.get('["ttl"]')!, /not whole seconds/);
  assert.match(byPath.get('["keyTemplate"]')!, /does not start with "\{prefix\}\/"/);
  assert.match(byPath.get('["tls","ca"]')!, /is relative — write an absolute path/);
  assert.match(byPath.get('["tls","insecure"]')!, /verification cannot be turned off/);
  assert.match(
    byPath.get('["tls","cert"]')!,
    /without the key — give both the client cert and key/,
  );
  assert.match(byPath.get('["username"]')!, /without a password/);
  assert.match(byPath.get('["colour"]')!, /unknown key — hooks\.etcd takes endpoints, prefix/);
});

Deno.test("parseEtcdSettings() refuses a missing endpoint list, bad TTLs and scheme mixes", () => {
  assert.match(problems({})[0]!.message, /is required/);
  assert.match(problems({ endpoints: [] })[0]!.message, /is empty/);
  assert.match(
    problems({ endpoints: ["http://a"], ttl: 1 })[0]!.message,
    /out of range — use 2s to 24h/,
  );
  assert.match(problems({ endpoints: ["http://a"], ttl: "soon" })[0]!.message, /not a duration/);
  assert.match(
    problems({ endpoints: ["http://a", "https://b"] })[0]!.message,
    /mixes http:\/\/ and https:\/\//,
  );
  assert.match(
    problems({ endpoints: ["http://a"], tls: { ca: "/ca.pem" } })[0]!.message,
    /plain http:\/\/ but tls is set — use https:\/\//,
  );
  assert.match(problems("http://a")[0]!.message, /expected a map/);
  assert.match(problems({ endpoints: ["http://a"], prefix: "/" })[0]!.message, /whole keyspace/);
});

Deno.test("parseEtcdSettings() never echoes a password, and warns when it would travel in clear", () => {
  const ps = problems({ endpoints: ["http://a"], username: "u", password: 123456 });
  assert.match(ps[0]!.message, /the password must be a non-empty string — quote it$/);
  assert.ok(!ps[0]!.message.includes("123456"));
  const { warnings } = ok({ endpoints: ["http://a"], username: "u", password: "p" });
  assert.match(warnings[0]!, /clear text — use https:\/\//);
});

Deno.test("normalizeEndpoint() keeps an explicit port, even the scheme's default", () => {
  assert.equal(normalizeEndpoint("http://h:80"), "http://h:80");
  assert.equal(normalizeEndpoint("https://[::1]:2379"), "https://[::1]:2379");
  assert.equal(normalizeEndpoint("https://[::1]"), "https://[::1]:2379");
});
