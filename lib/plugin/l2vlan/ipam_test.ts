import assert from "node:assert/strict";
import {
  bindAddress,
  dropAllocations,
  IpamConflictError,
  masterKey,
  releaseAddress,
  releasePool,
  requestAddress,
  requestPool,
} from "./ipam.ts";
import type { RequestPoolRequest } from "./protocol.ts";
import { emptyState, type IpamState } from "./state.ts";

const GW = { RequestAddressType: "com.docker.network.gateway" };
const poolReq = (SubPool: string, Pool = "192.168.1.0/24"): RequestPoolRequest => ({
  AddressSpace: "l2vlan_local",
  Pool,
  SubPool,
  Options: {},
  V6: false,
});
const any = (ipam: IpamState, PoolID: string) =>
  requestAddress(ipam, { PoolID, Address: "", Options: {} }).Address;

Deno.test("requestPool() returns a stable PoolID per (space, subnet, range) and counts refs", () => {
  const { ipam } = emptyState();
  const a = requestPool(ipam, poolReq("192.168.1.2/32"));
  assert.deepEqual(a, {
    PoolID: "l2vlan_local/192.168.1.0/24/192.168.1.2/32",
    Pool: "192.168.1.0/24",
    Data: {},
  });
  assert.equal(requestPool(ipam, poolReq("192.168.1.2/32")).PoolID, a.PoolID);
  assert.equal(ipam.pools[a.PoolID]!.refs, 2);
  assert.deepEqual(releasePool(ipam, a.PoolID), { removed: false });
  assert.deepEqual(releasePool(ipam, a.PoolID), { removed: true });
  assert.deepEqual(releasePool(ipam, a.PoolID), { removed: false }, "unknown is fine");
  assert.equal(requestPool(ipam, poolReq("")).PoolID, "l2vlan_local/192.168.1.0/24");
});

Deno.test("requestPool() rejects IPv6, a missing subnet, a range outside it, overlapping subnets", () => {
  const { ipam } = emptyState();
  assert.throws(() => requestPool(ipam, { ...poolReq(""), V6: true }), /IPv6/);
  assert.throws(() => requestPool(ipam, poolReq("", "")), /needs an explicit subnet/);
  assert.throws(() => requestPool(ipam, poolReq("10.0.0.0/30")), /not inside subnet/);
  assert.throws(() => requestPool(ipam, poolReq("", "192.168.1.0/33")), /Invalid subnet/);
  requestPool(ipam, poolReq(""));
  assert.throws(
    () => requestPool(ipam, poolReq("", "192.168.0.0/16")),
    /overlaps subnet 192\.168\.1\.0\/24/,
  );
});

Deno.test("the gateway is noted, never claimed: two networks share subnet and gateway", () => {
  const { ipam } = emptyState();
  const p1 = requestPool(ipam, poolReq("192.168.1.2/32")).PoolID;
  const p2 = requestPool(ipam, poolReq("192.168.1.3/32")).PoolID;
  for (const p of [p1, p2]) {
    assert.equal(
      requestAddress(ipam, { PoolID: p, Address: "192.168.1.1", Options: GW }).Address,
      "192.168.1.1/24",
    );
  }
  assert.equal(any(ipam, p1), "192.168.1.2/24");
  assert.equal(any(ipam, p2), "192.168.1.3/24");
  assert.throws(() => any(ipam, p1), IpamConflictError);
  assert.deepEqual(Object.keys(ipam.allocations[masterKey("l2vlan_local", "192.168.1.0/24")]!), [
    "192.168.1.2",
    "192.168.1.3",
  ]);
});

Deno.test("overlapping ranges on one subnet never hand out the same address twice", () => {
  const { ipam } = emptyState();
  const a = requestPool(ipam, poolReq("192.168.1.0/30")).PoolID;
  const b = requestPool(ipam, poolReq("192.168.1.2/31")).PoolID;
  requestAddress(ipam, { PoolID: a, Address: "192.168.1.1", Options: GW });
  assert.equal(any(ipam, b), "192.168.1.2/24");
  assert.equal(any(ipam, a), "192.168.1.3/24", ".0 is the network, .1 the gateway, .2 taken");
  assert.throws(() => any(ipam, b), /No free address in 192\.168\.1\.2\/31/);
});

Deno.test("requestAddress() with a wanted address: inside subnet, not gateway, not in use", () => {
  const { ipam } = emptyState();
  const p = requestPool(ipam, poolReq("192.168.1.8/29")).PoolID;
  requestAddress(ipam, { PoolID: p, Address: "192.168.1.1", Options: GW });
  const want = (Address: string) => requestAddress(ipam, { PoolID: p, Address, Options: {} });
  assert.equal(
    want("192.168.1.50").Address,
    "192.168.1.50/24",
    "aux/--ip may be outside the range",
  );
  assert.throws(() => want("192.168.1.50"), IpamConflictError);
  assert.throws(() => want("10.9.9.9"), /outside subnet 192\.168\.1\.0\/24/);
  assert.throws(() => want("192.168.1.1"), /is the gateway/);
  assert.throws(() => want("192.168.1.255"), /broadcast/);
  assert.throws(() => want("192.168.1.x"), /Invalid Address/);
  assert.throws(
    () => requestAddress(ipam, { PoolID: "nope", Address: "", Options: {} }),
    /Unknown l2vlan pool "nope"/,
  );
});

Deno.test("a gateway without --gateway is the first host; a gateway on a used address fails", () => {
  const { ipam } = emptyState();
  const p = requestPool(ipam, poolReq("")).PoolID;
  assert.equal(
    requestAddress(ipam, { PoolID: p, Address: "", Options: GW }).Address,
    "192.168.1.1/24",
  );
  assert.equal(any(ipam, p), "192.168.1.2/24", "the noted gateway is skipped");
  assert.throws(
    () => requestAddress(ipam, { PoolID: p, Address: "192.168.1.2", Options: GW }),
    /Gateway 192\.168\.1\.2 is already assigned to a container/,
  );
});

Deno.test("releaseAddress() tells the gateway from a container address", () => {
  const { ipam } = emptyState();
  const p = requestPool(ipam, poolReq("192.168.1.2/31")).PoolID;
  requestAddress(ipam, { PoolID: p, Address: "192.168.1.1", Options: GW });
  any(ipam, p);
  assert.equal(releaseAddress(ipam, p, "192.168.1.2"), "address");
  assert.equal(releaseAddress(ipam, p, "192.168.1.2"), "unknown");
  assert.equal(ipam.pools[p]!.gateway, "192.168.1.1");
  assert.equal(releaseAddress(ipam, p, "192.168.1.1"), "gateway");
  assert.equal(ipam.pools[p]!.gateway, undefined);
  assert.equal(releaseAddress(ipam, "unknown", "1.2.3.4"), "unknown");
  assert.deepEqual(ipam.allocations, {});
});

Deno.test("another pool on the subnet cannot release an address it did not allocate", () => {
  const { ipam } = emptyState();
  const a = requestPool(ipam, poolReq("192.168.1.2/32")).PoolID;
  const b = requestPool(ipam, poolReq("192.168.1.3/32")).PoolID;
  any(ipam, a);
  assert.equal(releaseAddress(ipam, b, "192.168.1.2"), "unknown");
  assert.throws(() => any(ipam, a), IpamConflictError);
});

Deno.test("bindAddress()/dropAllocations() track endpoints and reclaim", () => {
  const { ipam } = emptyState();
  const p = requestPool(ipam, poolReq("192.168.1.2/32")).PoolID;
  any(ipam, p);
  const where = { addressSpace: "l2vlan_local", pool: "192.168.1.0/24" };
  assert.ok(bindAddress(ipam, where, "192.168.1.2/24", "ep1"));
  assert.ok(!bindAddress(ipam, where, "192.168.1.9/24", "ep1"));
  const key = masterKey("l2vlan_local", "192.168.1.0/24");
  assert.equal(ipam.allocations[key]!["192.168.1.2"]!.endpointId, "ep1");
  assert.deepEqual(dropAllocations(ipam, key, ["192.168.1.2"]), ["ep1"]);
  assert.equal(any(ipam, p), "192.168.1.2/24");
});
