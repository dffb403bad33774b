import assert from "node:assert/strict";
import { ip, runIp } from "./ip.ts";
import type { Run } from "../exec/run.ts";

Deno.test("ip.route builders produce exact argv with all options", () => {
  assert.deepEqual(
    ip.route.add("10.1.0.0/16", {
      via: "10.0.0.1",
      dev: "eth0",
      src: "10.0.0.5",
      table: 100,
      metric: 5,
    })
      .argv,
    [
      "ip",
      "route",
      "add",
      "10.1.0.0/16",
      "via",
      "10.0.0.1",
      "dev",
      "eth0",
      "src",
      "10.0.0.5",
      "table",
      "100",
      "metric",
      "5",
    ],
  );
  assert.deepEqual(ip.route.replace("default", { via: "10.0.0.1" }).argv, [
    "ip",
    "route",
    "replace",
    "default",
    "via",
    "10.0.0.1",
  ]);
  assert.deepEqual(ip.route.del("10.1.0.0/16").argv, ["ip", "route", "del", "10.1.0.0/16"]);
});

Deno.test("ip.address builders need a dev and keep the netns", () => {
  const c = ip.address.add("10.9.0.2/24", { dev: "eth0", netns: { pid: 5 } });
  assert.deepEqual(c.argv, ["ip", "address", "add", "10.9.0.2/24", "dev", "eth0"]);
  assert.deepEqual(c.netns, { pid: 5 });
  assert.deepEqual(ip.address.del("fd00::1/64", { dev: "eth1" }).argv, [
    "ip",
    "address",
    "del",
    "fd00::1/64",
    "dev",
    "eth1",
  ]);
});

Deno.test("ip.link builders", () => {
  assert.deepEqual(ip.link.set("eth1", { up: true, mtu: 1400 }).argv, [
    "ip",
    "link",
    "set",
    "dev",
    "eth1",
    "up",
    "mtu",
    "1400",
  ]);
  assert.deepEqual(ip.link.add("v0", "veth", { peer: "v1" }).argv, [
    "ip",
    "link",
    "add",
    "name",
    "v0",
    "type",
    "veth",
    "peer",
    "name",
    "v1",
  ]);
  assert.deepEqual(ip.link.del("v0").argv, ["ip", "link", "del", "dev", "v0"]);
  assert.deepEqual(ip.link.set("v1", { moveToNetns: 123 }).argv, [
    "ip",
    "link",
    "set",
    "dev",
    "v1",
    "netns",
    "123",
  ]);
});

Deno.test("ip builders reject values that are not one plain word", () => {
  assert.throws(() => ip.route.add("10.0.0.0/8; reboot"), TypeError);
  assert.throws(() => ip.route.add("10.0.0.0/8", { dev: "eth0 up" }), TypeError);
  assert.throws(() => ip.route.add("-batch"), TypeError);
  assert.throws(() => ip.route.add("10.0.0.0/8", { metric: -1 }), TypeError);
});

Deno.test("ip.raw() passes label words as separate arguments", () => {
  assert.deepEqual(ip.raw("route", ["add", "`reboot`", "$(id)"]).argv, [
    "ip",
    "route",
    "add",
    "`reboot`",
    "$(id)",
  ]);
});

Deno.test("runIp() wraps in nsenter only when a netns is given", async () => {
  const seen: (readonly string[])[] = [];
  const exec: Run = (argv) => {
    seen.push(argv);
    return Promise.resolve({ argv, code: 0, stdout: "", stderr: "", durationMs: 1 });
  };
  await runIp(ip.route.del("10.1.0.0/16"), { exec });
  await runIp(ip.route.del("10.1.0.0/16", { netns: { path: "/run/netns/x" } }), { exec });
  assert.deepEqual(seen, [
    ["ip", "route", "del", "10.1.0.0/16"],
    ["nsenter", "--net=/run/netns/x", "--", "ip", "route", "del", "10.1.0.0/16"],
  ]);
});
