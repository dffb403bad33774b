import assert from "node:assert/strict";
import { fakeKernel } from "./_fake_kernel.ts";
import { recoverState } from "./recover.ts";
import { emptyState } from "./state.ts";

function stateWithNetwork() {
  const s = emptyState();
  s.networks.n1 = {
    bridge: "vlan2000",
    pool: "10.251.1.0/24",
    addressSpace: "l2vlan_local",
    gateway: "10.251.1.1",
    iptables: true,
    createdAt: "t",
  };
  s.bridges.vlan2000 = {
    extIf: "eno1",
    vlanId: 2000,
    port: "eno1.2000",
    createdBridge: true,
    createdPort: true,
    forward: { tool: "iptables", chain: "DOCKER-USER" },
  };
  s.endpoints.e1 = {
    networkId: "n1",
    hostIf: "l2vhaaaaaaaaaaa",
    ctrIf: "l2vcaaaaaaaaaaa",
    address: "10.251.1.2/24",
    mac: "02:42:0a:fb:01:02",
    joined: true,
  };
  return s;
}

Deno.test("recoverState() after a host reboot re-creates bridge, VLAN port and rule", async () => {
  const k = fakeKernel(["eno1"]);
  const s = stateWithNetwork();
  await recoverState(s, k, { trusted: true });
  assert.equal(k.linkMap.get("eno1.2000")?.master, "vlan2000");
  assert.ok(k.rules.has("iptables DOCKER-USER vlan2000"));
  assert.ok(k.logs.some((l) => l.includes("endpoints without veth")));
  assert.ok(s.endpoints.e1, "kept until DeleteEndpoint or reclaim");
});

Deno.test("recoverState() deletes only never-joined orphan veths, and only with a trusted state", async () => {
  const setup = async () => {
    const k = fakeKernel(["eno1"]);
    await k.links.addVeth("l2vhbbbbbbbbbbb", "l2vcbbbbbbbbbbb", { mac: "02:00:00:00:00:01" });
    await k.links.addVeth("l2vhccccccccccc", "l2vcccccccccccc", { mac: "02:00:00:00:00:02" });
    k.moveToSandbox("l2vcccccccccccc");
    await k.links.addVeth("l2vhaaaaaaaaaaa", "l2vcaaaaaaaaaaa", { mac: "02:00:00:00:00:03" });
    return k;
  };
  const k = await setup();
  await recoverState(stateWithNetwork(), k, { trusted: true });
  assert.ok(!k.linkMap.has("l2vhbbbbbbbbbbb"), "unknown, never joined: deleted");
  assert.ok(k.linkMap.has("l2vhccccccccccc"), "peer inside a container: never touched");
  assert.ok(k.linkMap.has("l2vhaaaaaaaaaaa"), "known endpoint");
  const untrusted = await setup();
  await recoverState(stateWithNetwork(), untrusted, { trusted: false });
  assert.ok(untrusted.linkMap.has("l2vhbbbbbbbbbbb"));
});

Deno.test("recoverState() tears down bridge records no network uses", async () => {
  const k = fakeKernel(["eno1"]);
  const s = stateWithNetwork();
  delete s.networks.n1;
  s.endpoints = {};
  await k.links.addBridge("vlan2000");
  await recoverState(s, k, { trusted: true });
  assert.deepEqual(s.bridges, {});
  assert.ok(!k.linkMap.has("vlan2000"));
});
