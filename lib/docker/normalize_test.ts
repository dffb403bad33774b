import assert from "node:assert/strict";
import {
  compareNano,
  eventToJson,
  nanoToSince,
  parseEvent,
  parseInspect,
  parseJsonExact,
  rfc3339ToNano,
  syntheticStart,
} from "./normalize.ts";

const START =
  '{"status":"start","id":"abc","from":"busybox","Type":"container","Action":"start","Actor":{"ID":"abc","Attributes":{"image":"busybox","name":"web","docker-events.route":"add 10.0.0.0/8 dev eth0"}},"scope":"local","time":1795322049,"timeNano":1795322049951646361}';

Deno.test("parseJsonExact() keeps timeNano exact beyond 2^53", () => {
  const v = parseJsonExact(START) as { timeNano: string };
  assert.equal(v.timeNano, "1795322049951646361");
  assert.notEqual(String(JSON.parse(START).timeNano), "1795322049951646361");
});

Deno.test("parseEvent() normalizes a container event", () => {
  const ev = parseEvent(START, "default");
  assert.equal(ev.hostId, "default");
  assert.equal(ev.type, "container");
  assert.equal(ev.action, "start");
  assert.equal(ev.actor.id, "abc");
  assert.equal(ev.actor.attributes["name"], "web");
  assert.equal(ev.timeNano, "1795322049951646361");
  assert.equal(ev.time, 1795322049);
  assert.equal(ev.synthetic, false);
});

Deno.test("parseEvent() splits exec and health actions", () => {
  const h = parseEvent(
    '{"Type":"container","Action":"health_status: unhealthy","Actor":{"ID":"x","Attributes":{}},"time":1,"timeNano":1000000000}',
    "h",
  );
  assert.equal(h.action, "health_status");
  assert.equal(h.rawAction, "health_status: unhealthy");
  assert.equal(h.healthStatus, "unhealthy");
  const e = parseEvent(
    '{"Type":"container","Action":"exec_start: /bin/sh -c true","Actor":{"ID":"x","Attributes":{}},"time":1,"timeNano":1000000001}',
    "h",
  );
  assert.equal(e.action, "exec_start");
});

Deno.test("parseEvent() rejects garbage with a one-line message naming the host", () => {
  assert.throws(() => parseEvent("{oops", "edge"), /host "edge": invalid JSON/);
  assert.throws(() => parseEvent('{"Type":"container"}', "edge"), /missing "Type" or "Action"/);
  assert.throws(() => parseEvent("[1,2]", "edge"), /not a JSON object/);
});

Deno.test("parseEvent() falls back to time when timeNano is missing", () => {
  const ev = parseEvent(
    '{"Type":"network","Action":"connect","Actor":{"ID":"n","Attributes":{"container":"c"}},"time":1700000000}',
    "h",
  );
  assert.equal(ev.timeNano, "1700000000000000000");
  assert.equal(ev.scope, "local");
});

Deno.test("nanoToSince() and compareNano() work on exact strings", () => {
  assert.equal(nanoToSince("1795321703378858356"), "1795321703.378858356");
  assert.equal(nanoToSince("5"), "0.000000005");
  assert.equal(compareNano("1795322049951646361", "1795322049951646362"), -1);
  assert.throws(() => nanoToSince("1.5"));
});

Deno.test("eventToJson() round-trips the raw line or rebuilds an exact one", () => {
  const ev = parseEvent(START, "h");
  assert.equal(eventToJson(ev), START);
  const syn = syntheticStart({
    hostId: "h",
    id: "abc",
    name: "web",
    image: "busybox",
    labels: { a: "1" },
    state: "running",
    status: "Up",
    created: 0,
  }, "1795322049951646361");
  const j = eventToJson(syn);
  assert.match(j, /"timeNano":1795322049951646361\}/);
  assert.equal(parseEvent(j, "h").actor.attributes["name"], "web");
});

Deno.test("parseInspect() extracts pid, networks, primary IP and health", () => {
  const c = parseInspect({
    Id: "f".repeat(64),
    Name: "/web",
    Image: "sha256:1",
    Created: "2026-01-01T00:00:00Z",
    State: {
      Status: "running",
      Running: true,
      Pid: 4242,
      ExitCode: 0,
      StartedAt: "s",
      FinishedAt: "f",
      Health: { Status: "healthy" },
    },
    Config: { Image: "busybox:latest", Labels: { "docker-events.route": "add x" }, Hostname: "h" },
    HostConfig: { NetworkMode: "default" },
    NetworkSettings: {
      SandboxKey: "/var/run/docker/netns/abc",
      Networks: {
        zeta: { IPAddress: "10.9.0.2", IPPrefixLen: 24, Gateway: "10.9.0.1", NetworkID: "n2" },
        bridge: { IPAddress: "172.17.0.2", IPPrefixLen: 16, NetworkID: "n1", Aliases: null },
      },
    },
  }, "default");
  assert.equal(c.name, "web");
  assert.equal(c.pid, 4242);
  assert.equal(c.primaryIp, "172.17.0.2");
  assert.equal(c.networks["zeta"]?.ip, "10.9.0.2");
  assert.equal(c.health, "healthy");
  assert.equal(c.labels["docker-events.route"], "add x");
  assert.equal(c.sandboxKey, "/var/run/docker/netns/abc");
  assert.throws(() => parseInspect({ Name: "x" }, "h"), /missing "Id"/);
});

Deno.test("rfc3339ToNano() keeps nanoseconds exact and handles offsets and the zero time", () => {
  assert.equal(rfc3339ToNano("2026-11-30T13:24:05.123456789Z"), 1796045045123456789n);
  assert.equal(rfc3339ToNano("2026-11-30T13:24:05Z"), 1796045045000000000n);
  assert.equal(rfc3339ToNano("2026-11-30T14:24:05.5+01:00"), 1796045045500000000n);
  assert.ok(rfc3339ToNano("0001-01-01T00:00:00Z")! < 0n);
  assert.equal(rfc3339ToNano("yesterday"), undefined);
});

Deno.test("parseInspect() reads exposed and published ports", () => {
  const c = parseInspect({
    Id: "x",
    Config: { ExposedPorts: { "80/tcp": {}, "53/udp": {}, "x/tcp": {} } },
    NetworkSettings: {
      Ports: {
        "80/tcp": [{ HostIp: "::", HostPort: "8080" }, { HostIp: "0.0.0.0", HostPort: "8080" }],
        "53/udp": null,
        "7000/sctp": [{ HostIp: "127.0.0.1", HostPort: "7000" }],
      },
    },
  }, "local");
  assert.deepEqual(c.ports, [
    { port: 53, protocol: "udp", bindings: [] },
    {
      port: 80,
      protocol: "tcp",
      bindings: [{ hostIp: "0.0.0.0", hostPort: 8080 }, { hostIp: "::", hostPort: 8080 }],
    },
    { port: 7000, protocol: "sctp", bindings: [{ hostIp: "127.0.0.1", hostPort: 7000 }] },
  ]);
  assert.deepEqual(parseInspect({ Id: "y" }, "local").ports, []);
});

Deno.test("parseEvent() keeps the top-level timeNano exact when attributes mention timeNano", () => {
  const line =
    `{"Type":"container","Action":"start","Actor":{"ID":"abc","Attributes":{"timeNano":"7","note":"{\\"timeNano\\":12}"}},"scope":"local","time":1795322049,"timeNano":1795322049951646361}`;
  const ev = parseEvent(line, "h");
  assert.equal(ev.timeNano, "1795322049951646361");
  assert.equal(ev.actor.attributes["timeNano"], "7");
  assert.equal(ev.actor.attributes["note"], '{"timeNano":12}');
});
