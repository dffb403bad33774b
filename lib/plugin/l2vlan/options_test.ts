import assert from "node:assert/strict";
import { isIfName, parseNetworkOptions, vethNames } from "./options.ts";
import { L2vlanError } from "./protocol.ts";

const gen = (o: Record<string, string>) => ({ "com.docker.network.generic": o });

Deno.test("parseNetworkOptions() tagged: port is <ext_if>.<vlan_id>", () => {
  assert.deepEqual(
    parseNetworkOptions(gen({ ext_if: "eno1", vlan_id: "2000", bridge_name: "vlan2000" })),
    {
      bridge: "vlan2000",
      extIf: "eno1",
      vlanId: 2000,
      port: "eno1.2000",
      mtu: undefined,
      iptables: true,
    },
  );
});

Deno.test("parseNetworkOptions() untagged vlan_id=0 enslaves ext_if itself; defaults", () => {
  const o = parseNetworkOptions(gen({ ext_if: "eno1", vlan_id: "0" }));
  assert.equal(o.port, "eno1");
  assert.equal(o.bridge, "br-eno1");
  assert.equal(parseNetworkOptions(gen({ ext_if: "eno1", vlan_id: "7" })).bridge, "vlan7");
  const m = parseNetworkOptions({
    "com.docker.network.generic": {
      bridge_name: "b0",
      "com.docker.network.driver.mtu": "1400",
      iptables: "false",
    },
  });
  assert.deepEqual([m.mtu, m.iptables, m.extIf, m.port], [1400, false, undefined, undefined]);
});

Deno.test("parseNetworkOptions() rejects bad values with one actionable line", () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ ext_if: "eno1", vlan_id: "5000", bridge_name: "b" }, /vlan_id=5000: use 1\.\.4094/],
    [{ ext_if: "eno1", vlan_id: "-1", bridge_name: "b" }, /vlan_id=-1/],
    [{ ext_if: "eno1", bridge_name: "b" }, /Missing -o vlan_id for ext_if eno1/],
    [{ vlan_id: "5", bridge_name: "b" }, /needs -o ext_if/],
    [{ ext_if: "eno1;rm", vlan_id: "5" }, /Invalid -o ext_if=eno1;rm/],
    [{ ext_if: "enp129s0f1np1", vlan_id: "2000" }, /longer than 15 characters/],
    [{ bridge_name: "waytoolongbridge0" }, /Invalid -o bridge_name/],
    [{ vlanid: "5" }, /Unknown option -o vlanid/],
    [{ bridge_name: "b", mtu: "9" }, /Invalid -o mtu=9/],
    [{}, /Missing -o bridge_name/],
  ];
  for (const [o, re] of cases) {
    assert.throws(() => parseNetworkOptions(gen(o)), (e) => {
      assert.ok(e instanceof L2vlanError);
      assert.equal(e.status, 400);
      assert.match(e.message, re);
      assert.ok(!e.message.includes("\n"));
      return true;
    });
  }
});

Deno.test("vethNames() derives 15-character names from the endpoint ID", () => {
  const n = vethNames("887f5baf0e0ec8db54ae4a7b5a64d414427cea81352daba27d18c1f95a2d6e1a");
  assert.deepEqual(n, { hostIf: "l2vh887f5baf0e0", ctrIf: "l2vc887f5baf0e0" });
  assert.ok(isIfName(n.hostIf));
  assert.throws(() => vethNames("abc"), /Invalid EndpointID/);
});
