import assert from "node:assert/strict";
import { parsePortKey, portsFromInspect } from "./ports.ts";

Deno.test("portsFromInspect() merges exposed and published ports, sorted and deduplicated", () => {
  const inspect = {
    Config: { ExposedPorts: { "8443/tcp": {}, "80/tcp": {}, "53/udp": {}, "9000": {} } },
    NetworkSettings: {
      Ports: {
        "80/tcp": [
          { HostIp: "::", HostPort: "8080" },
          { HostIp: "0.0.0.0", HostPort: "8080" },
          { HostIp: "0.0.0.0", HostPort: "8080" },
        ],
        "53/udp": null,
        "7000/sctp": [{ HostIp: "127.0.0.1", HostPort: "7000" }],
      },
    },
  };
  assert.deepEqual(portsFromInspect(inspect), [
    { port: 53, protocol: "udp", bindings: [] },
    {
      port: 80,
      protocol: "tcp",
      bindings: [{ hostIp: "0.0.0.0", hostPort: 8080 }, { hostIp: "::", hostPort: 8080 }],
    },
    { port: 7000, protocol: "sctp", bindings: [{ hostIp: "127.0.0.1", hostPort: 7000 }] },
    { port: 8443, protocol: "tcp", bindings: [] },
    { port: 9000, protocol: "tcp", bindings: [] },
  ]);
});

Deno.test("portsFromInspect() skips malformed entries and tolerates missing sections", () => {
  assert.deepEqual(portsFromInspect(null), []);
  assert.deepEqual(portsFromInspect({}), []);
  assert.deepEqual(portsFromInspect({ Config: { ExposedPorts: null }, NetworkSettings: {} }), []);
  assert.deepEqual(
    portsFromInspect({
      Config: { ExposedPorts: { "0/tcp": {}, "70000/tcp": {}, "x/tcp": {}, "80/icmp": {} } },
      NetworkSettings: {
        Ports: { "81/tcp": [{ HostIp: "0.0.0.0", HostPort: "x" }, "junk", { HostPort: 99999 }] },
      },
    }),
    [{ port: 81, protocol: "tcp", bindings: [{ hostIp: "0.0.0.0", hostPort: 0 }] }],
  );
});

Deno.test("parsePortKey() reads port/protocol, defaulting to tcp", () => {
  assert.deepEqual(parsePortKey("80/udp"), { port: 80, protocol: "udp" });
  assert.deepEqual(parsePortKey("443"), { port: 443, protocol: "tcp" });
  assert.equal(parsePortKey("80-90/tcp"), undefined);
});
