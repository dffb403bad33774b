import assert from "node:assert/strict";
import { parsePublishedPorts } from "./published_ports.ts";

Deno.test("parsePublishedPorts() reads NetworkSettings.Ports, IPv4 bindings first", () => {
  const inspect = {
    NetworkSettings: {
      Ports: {
        "443/tcp": null,
        "80/tcp": [{ HostIp: "::", HostPort: "32768" }, { HostIp: "0.0.0.0", HostPort: "32768" }],
        "53/udp": [{ HostIp: "127.0.0.1", HostPort: "5353" }],
        "bogus": [{ HostIp: "0.0.0.0", HostPort: "1" }],
        "81/tcp": [{ HostIp: "0.0.0.0", HostPort: "" }],
      },
    },
  };
  assert.deepEqual(parsePublishedPorts(inspect), [
    { containerPort: 53, protocol: "udp", hostIp: "127.0.0.1", hostPort: 5353 },
    { containerPort: 80, protocol: "tcp", hostIp: "0.0.0.0", hostPort: 32768 },
    { containerPort: 80, protocol: "tcp", hostIp: "::", hostPort: 32768 },
  ]);
  assert.deepEqual(parsePublishedPorts({}), []);
  assert.deepEqual(parsePublishedPorts(null), []);
});
