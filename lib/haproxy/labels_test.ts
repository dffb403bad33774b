import assert from "node:assert/strict";
import { container } from "./_fixtures.ts";
import { balancerModel, DEFAULT_SERVER_CHECK, serverName } from "./labels.ts";

const OPTS = { statsSocket: "/run/haproxy/admin.sock" };

Deno.test("balancerModel() follows Glue's README example", () => {
  const { model, warnings } = balancerModel([
    container("wp1", "10.0.0.2", { glue_http_80_host: "wp1.example.com" }),
    container("wp2", "10.0.0.3", { glue_http_80_host: "wp2.example.com" }),
    container("os-ui1", "10.0.0.4", {
      glue_http_80_host: "openstack.example.com",
      glue_http_80_prefix: "dashboard/horizon",
    }),
    container("os-id1", "10.0.0.5", {
      glue_http_80_host: "openstack.example.com",
      glue_http_80_prefix: "identity/keystone",
    }),
  ], OPTS);
  assert.deepEqual(warnings, []);
  assert.equal(model.http.length, 1);
  const fe = model.http[0]!;
  assert.equal(fe.name, "fe_http_80");
  assert.equal(fe.bind, "*:80");
  assert.deepEqual(fe.hosts.map((h) => h.host), [
    "openstack.example.com",
    "wp1.example.com",
    "wp2.example.com",
  ]);
  assert.deepEqual(fe.routes.map((r) => [r.backend, r.condition]), [
    ["be_http_80_openstack.example.com_dashboard_horizon", "host_1 path_1"],
    ["be_http_80_openstack.example.com_identity_keystone", "host_1 path_2"],
    ["be_http_80_wp1.example.com", "host_2"],
    ["be_http_80_wp2.example.com", "host_3"],
  ]);
  const wp1 = model.backends.find((b) => b.host === "wp1.example.com")!;
  assert.deepEqual(wp1.servers.map((s) => [s.address, s.port, s.weight, s.enabled]), [[
    "10.0.0.2",
    80,
    100,
    true,
  ]]);
  assert.equal(wp1.servers[0]!.args, `10.0.0.2:80 weight 100 ${DEFAULT_SERVER_CHECK}`);
});

Deno.test("balancerModel() orders routes: exact hosts, wildcards, any host; longest prefix first", () => {
  const { model } = balancerModel([
    container("any", "10.0.0.1", { glue_http_ports: "80" }),
    container("wild", "10.0.0.2", { glue_http_80_host: "*.example.com" }),
    container("short", "10.0.0.3", { glue_http_80_host: "a.io" }),
    container("long", "10.0.0.4", { glue_http_80_host: "www.example.com" }),
    container("api", "10.0.0.5", { glue_http_80_host: "a.io", glue_http_80_prefix: "api" }),
    container("apiv1", "10.0.0.6", { glue_http_80_host: "a.io", glue_http_80_prefix: "api/v1" }),
    container("anyapi", "10.0.0.7", { glue_http_80_prefix: "api" }),
  ], OPTS);
  const fe = model.http[0]!;
  const hostOf = (acl?: string) => fe.hosts.find((h) => h.name === acl)?.host ?? "*";
  const prefixOf = (acl?: string) => fe.prefixes.find((p) => p.name === acl)?.prefix ?? "";
  assert.deepEqual(fe.routes.map((r) => `${hostOf(r.hostAcl)}/${prefixOf(r.prefixAcl)}`), [
    "www.example.com/",
    "a.io/api/v1",
    "a.io/api",
    "a.io/",
    "*.example.com/",
    "*/api",
    "*/",
  ]);
  assert.equal(fe.routes.at(-1)!.condition, "");
  const wild = fe.hosts.find((h) => h.wildcard)!;
  assert.equal(wild.criterion, "req.hdr(host),field(1,:) -i -m end .example.com");
  assert.deepEqual(fe.prefixes.find((p) => p.prefix === "api/v1")!.criteria, [
    "path /api/v1",
    "path_beg /api/v1/",
  ]);
});

Deno.test("balancerModel() groups containers of one host into one backend with weights", () => {
  const { model } = balancerModel([
    container("b", "10.0.0.3", { glue_http_8080_host: "x.io", glue_http_8080_weight: "25" }),
    container("a", "10.0.0.2", { glue_http_8080_host: "X.IO" }),
  ], OPTS);
  assert.equal(model.backends.length, 1);
  assert.deepEqual(model.backends[0]!.servers.map((s) => [s.containerName, s.weight]), [
    ["a", 100],
    ["b", 25],
  ]);
});

Deno.test("balancerModel() strips a prefix with replace-path and warns on disagreement", () => {
  const { model, warnings } = balancerModel([
    container("a", "10.0.0.2", {
      glue_http_80_prefix: "v1.2/api",
      glue_http_80_strip_prefix: "1",
    }),
    container("b", "10.0.0.3", { glue_http_80_prefix: "v1.2/api" }),
  ], OPTS);
  const be = model.backends[0]!;
  assert.equal(be.stripPrefix, true);
  assert.deepEqual(be.strip, { regex: "^/v1[.]2/api/?(.*)$", replacement: "/\\1" });
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0]!.container, "b");
  assert.equal(warnings[0]!.label, "glue_http_80_strip_prefix");
  assert.match(warnings[0]!.message, /disagrees with container "a".*— give both the same value/);
});

Deno.test("balancerModel() leaves out a container with an injected value, with one warning", () => {
  const { model, warnings } = balancerModel([
    container("good", "10.0.0.2", { glue_http_80_host: "a.io" }),
    container("evil", "10.0.0.3", {
      glue_http_80_host: "a.io",
      glue_http_80_prefix: "x\n    server pwn 127.0.0.1:22",
    }),
  ], OPTS);
  assert.deepEqual(model.backends.map((b) => b.servers.map((s) => s.containerName)), [["good"]]);
  assert.equal(warnings.length, 1);
  assert.deepEqual([warnings[0]!.container, warnings[0]!.label], ["evil", "glue_http_80_prefix"]);
  assert.ok(!JSON.stringify(model).includes("pwn"));
});

Deno.test("balancerModel() validates labels of unlisted ports and refuses bad port names", () => {
  const r1 = balancerModel([
    container("c", "10.0.0.2", { glue_http_ports: "80", glue_http_81_host: "a b" }),
  ], OPTS);
  assert.deepEqual(r1.model.backends, []);
  assert.equal(r1.warnings[0]!.label, "glue_http_81_host");
  const r2 = balancerModel([container("c", "10.0.0.2", { glue_http_99999_host: "a.io" })], OPTS);
  assert.deepEqual(r2.model.backends, []);
  assert.match(r2.warnings[0]!.message, /names port 99999/);
  const r3 = balancerModel([container("c", "10.0.0.2", { glue_http_80_hots: "a.io" })], OPTS);
  assert.match(r3.warnings[0]!.message, /is not a known label and is ignored — check the spelling/);
});

Deno.test("balancerModel() balances glue_tcp_ports with their weights; HTTP wins a shared port", () => {
  const { model, warnings } = balancerModel([
    container("db1", "10.0.0.2", { glue_tcp_ports: "5432", glue_tcp_5432_weight: "10" }),
    container("db2", "10.0.0.3", { glue_tcp_ports: "5432" }),
    container("web", "10.0.0.4", { glue_http_ports: "80", glue_tcp_ports: "80" }),
  ], { ...OPTS, bindAddress: "127.0.0.1" });
  assert.deepEqual(model.tcp, [{
    name: "fe_tcp_5432",
    port: 5432,
    bind: "127.0.0.1:5432",
    backend: "be_tcp_5432",
  }]);
  const be = model.backends.find((b) => b.name === "be_tcp_5432")!;
  assert.equal(be.mode, "tcp");
  assert.deepEqual(be.servers.map((s) => s.weight), [10, 100]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!.message, /port 80 is also an HTTP port/);
});

Deno.test("balancerModel() picks the address: primary IP, a named network, or a published port", () => {
  const c = container("c", "10.0.0.2", { glue_http_80_host: "a.io" }, {
    networks: {
      bridge: {
        name: "bridge",
        networkId: "1",
        ip: "10.0.0.2",
        prefixLen: 24,
        ipv6: "",
        gateway: "",
        mac: "",
        aliases: [],
      },
      front: {
        name: "front",
        networkId: "2",
        ip: "172.30.0.9",
        prefixLen: 24,
        ipv6: "",
        gateway: "",
        mac: "",
        aliases: [],
      },
    },
    ports: [{ port: 80, protocol: "tcp", bindings: [{ hostIp: "0.0.0.0", hostPort: 32768 }] }],
  });
  const addr = (o: object) => {
    const s = balancerModel([c], { ...OPTS, ...o }).model.backends[0]?.servers[0];
    return s ? `${s.address}:${s.port}` : undefined;
  };
  assert.equal(addr({}), "10.0.0.2:80");
  assert.equal(addr({ network: "front" }), "172.30.0.9:80");
  assert.equal(addr({ publishedPorts: true }), "127.0.0.1:32768");
  const missing = balancerModel([c], { ...OPTS, network: "nope" });
  assert.deepEqual(missing.model.backends, []);
  assert.match(missing.warnings[0]!.message, /no IPv4 address on network "nope"/);
});

Deno.test("balancerModel() gates on health and skips containers that are not running", () => {
  const list = [
    container("ok", "10.0.0.2", { glue_http_80_host: "a.io" }, { health: "healthy" }),
    container("warm", "10.0.0.3", { glue_http_80_host: "a.io" }, { health: "starting" }),
    container("sick", "10.0.0.4", { glue_http_80_host: "a.io" }, { health: "unhealthy" }),
    container("plain", "10.0.0.5", { glue_http_80_host: "a.io" }),
    container("gone", "", { glue_http_80_host: "a.io" }, { running: false }),
  ];
  const gated = balancerModel(list, OPTS).model.backends[0]!.servers;
  assert.deepEqual(gated.map((s) => [s.containerName, s.enabled]), [
    ["ok", true],
    ["plain", true],
    ["sick", false],
    ["warm", false],
  ]);
  assert.match(gated.find((s) => s.containerName === "sick")!.args, / disabled$/);
  const open = balancerModel(list, { ...OPTS, healthGated: false }).model.backends[0]!.servers;
  assert.ok(open.every((s) => s.enabled));
});

Deno.test("serverName() is stable, safe and changes when the container is re-created", () => {
  const a = { name: "web.1", id: "3f2a9c81b0de" + "0".repeat(52) };
  assert.equal(serverName(a), "web.1_3f2a9c81b0de");
  assert.equal(serverName(a), serverName({ ...a }));
  assert.notEqual(serverName(a), serverName({ ...a, id: "aa" + a.id.slice(2) }));
  assert.equal(serverName({ name: "we b/x", id: "12" }), "we_b_x_12");
});

Deno.test("balancerModel() gives the same model for the same containers in any order", () => {
  const list = [
    container("a", "10.0.0.2", { glue_http_80_host: "a.io" }),
    container("b", "10.0.0.3", { glue_http_80_host: "b.io", glue_http_80_prefix: "x" }),
    container("c", "10.0.0.4", { glue_tcp_ports: "53" }),
  ];
  assert.deepEqual(balancerModel(list, OPTS), balancerModel([...list].reverse(), OPTS));
});
