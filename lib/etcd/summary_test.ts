import assert from "node:assert/strict";
import { containerRecord, type PublishableContainer, recordJson, recordOwner } from "./summary.ts";

function container(over: Partial<PublishableContainer> = {}): PublishableContainer {
  const base: PublishableContainer = {
    hostId: "local",
    id: "a".repeat(64),
    name: "web",
    image: "busybox:latest",
    imageId: "sha256:" + "b".repeat(64),
    labels: { "z.last": "1", "a.first": "2" },
    pid: 42,
    running: true,
    status: "running",
    exitCode: 0,
    health: "none",
    networks: {
      zeta: {
        name: "zeta",
        networkId: "n2",
        ip: "10.1.0.5",
        prefixLen: 24,
        ipv6: "fd00::5",
        gateway: "10.1.0.1",
        mac: "",
        aliases: [],
      },
      bridge: {
        name: "bridge",
        networkId: "n1",
        ip: "172.17.0.2",
        prefixLen: 16,
        ipv6: "",
        gateway: "172.17.0.1",
        mac: "",
        aliases: [],
      },
    },
    ports: [],
    primaryIp: "172.17.0.2",
    sandboxKey: "",
    networkMode: "bridge",
    createdAt: "2026-11-30T11:59:00Z",
    startedAt: "2026-11-30T12:00:00.5Z",
    finishedAt: "",
    hostname: "web",
  };
  return { ...base, ...over };
}

Deno.test("containerRecord() has id, name, image, labels, IPs and ports per network, host, engine, start", () => {
  const c = container({
    ports: [
      { port: 443, protocol: "tcp", bindings: [] },
      { port: 80, protocol: "tcp", bindings: [{ hostIp: "0.0.0.0", hostPort: 8080 }] },
    ],
  });
  const r = containerRecord(c, { hostId: "local", engineName: "node-1" });
  const ports = [{ port: 80, protocol: "tcp" }, { port: 443, protocol: "tcp" }];
  assert.deepEqual(r, {
    id: "a".repeat(64),
    name: "web",
    image: "busybox:latest",
    labels: { "a.first": "2", "z.last": "1" },
    networks: {
      bridge: { ip: "172.17.0.2", ipv6: "", ports },
      zeta: { ip: "10.1.0.5", ipv6: "fd00::5", ports },
    },
    published: [{ port: 80, protocol: "tcp", hostIp: "0.0.0.0", hostPort: 8080 }],
    hostId: "local",
    engine: "node-1",
    startedAt: "2026-11-30T12:00:00.5Z",
  });
});

Deno.test("recordJson() is the same bytes for the same container in any map order", () => {
  const a = container();
  const b = container({
    labels: { "a.first": "2", "z.last": "1" },
    networks: { bridge: a.networks["bridge"]!, zeta: a.networks["zeta"]! },
  });
  const host = { hostId: "local", engineName: "node-1" };
  assert.equal(recordJson(containerRecord(a, host)), recordJson(containerRecord(b, host)));
  assert.match(recordJson(containerRecord(a, host)), /^\{"id":"a{64}","name":"web",/);
  assert.deepEqual(containerRecord(a, host).published, []);
});

Deno.test("recordOwner() reads hostId and engine of a record, and nothing else", () => {
  const json = recordJson(containerRecord(container(), { hostId: "h", engineName: "e" }));
  assert.deepEqual(recordOwner(json), { hostId: "h", engine: "e" });
  assert.equal(recordOwner("not json"), undefined);
  assert.equal(recordOwner('{"hostId":"h"}'), undefined);
  assert.equal(recordOwner("[1]"), undefined);
});
