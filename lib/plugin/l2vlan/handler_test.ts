import assert from "node:assert/strict";
import { fakeKernel } from "./_fake_kernel.ts";
import { L2vlanDriver } from "./driver.ts";
import { createL2vlanHandler, L2VLAN_METHODS } from "./handler.ts";
import { emptyState, type L2vlanState } from "./state.ts";

const NET1 = "56dabc4a0e9bdb49cf69e17df16de535383c681b7f9c911d2887e227feeb2d63";
const NET2 = "1brwym4wkhuz4a3j14qgvelbn";
const EP1 = "887f5baf0e0ec8db54ae4a7b5a64d414427cea81352daba27d18c1f95a2d6e1a";
const EP2 = "9a1c2f3e4d5b6a7980a1b2c3d4e5f60718293a4b5c6d7e8f9012a3b4c5d6e7f8";
const GW = { RequestAddressType: "com.docker.network.gateway" };

function setup(devices = ["eno1"], state: L2vlanState = emptyState()) {
  const k = fakeKernel(devices);
  const saved: L2vlanState[] = [];
  const driver = new L2vlanDriver({
    ...k,
    state,
    save: (s) => {
      saved.push(structuredClone(s));
      return Promise.resolve();
    },
  });
  const handle = createL2vlanHandler(driver, k.log);
  const call = async (method: string, body?: unknown) => {
    const res = await handle(
      new Request(`http+unix://%2Frun%2Fdocker%2Fplugins%2Fl2vlan.sock/${method}`, {
        method: "POST",
        body: body === undefined
          ? undefined
          : typeof body === "string"
          ? body
          : JSON.stringify(body) + "\n",
      }),
    );
    assert.equal(res.headers.get("content-type"), "application/vnd.docker.plugins.v1.2+json");
    return { status: res.status, json: await res.json() };
  };
  return { k, driver, call, saved };
}

type Call = ReturnType<typeof setup>["call"];

function netReq(id: string, generic: Record<string, string>) {
  return {
    NetworkID: id,
    Options: { "com.docker.network.enable_ipv6": false, "com.docker.network.generic": generic },
    IPv4Data: [{ AddressSpace: "l2vlan_local", Gateway: "192.168.1.1/24", Pool: "192.168.1.0/24" }],
    IPv6Data: [],
  };
}

const TAGGED = { bridge_name: "vlan2000", ext_if: "eno1", vlan_id: "2000" };

/** dockerd's `docker network create` sequence; returns the PoolID. */
async function createNetwork(call: Call, id: string, range: string, generic = TAGGED) {
  const pool = await call("IpamDriver.RequestPool", {
    AddressSpace: "l2vlan_local",
    Pool: "192.168.1.0/24",
    SubPool: range,
    Options: {},
    V6: false,
  });
  assert.equal(pool.status, 200, JSON.stringify(pool.json));
  const gw = await call("IpamDriver.RequestAddress", {
    PoolID: pool.json.PoolID,
    Address: "192.168.1.1",
    Options: GW,
  });
  assert.deepEqual(gw.json, { Address: "192.168.1.1/24", Data: {} });
  const net = await call("NetworkDriver.CreateNetwork", netReq(id, generic));
  assert.deepEqual(net, { status: 200, json: {} });
  return pool.json.PoolID as string;
}

/** dockerd's `docker run --network` sequence; returns the address. */
async function run(call: Call, poolId: string, net: string, ep: string) {
  const addr = await call("IpamDriver.RequestAddress", {
    PoolID: poolId,
    Address: "",
    Options: null,
  });
  assert.equal(addr.status, 200, JSON.stringify(addr.json));
  const ce = await call("NetworkDriver.CreateEndpoint", {
    NetworkID: net,
    EndpointID: ep,
    Interface: { Address: addr.json.Address, AddressIPv6: "", MacAddress: "" },
    Options: { "com.docker.network.endpoint.exposedports": [], "com.docker.network.portmap": [] },
  });
  assert.equal(ce.status, 200, JSON.stringify(ce.json));
  const join = await call("NetworkDriver.Join", {
    NetworkID: net,
    EndpointID: ep,
    SandboxKey: "/run/docker/netns/32b482b9ab48",
    Options: {},
  });
  assert.equal(join.status, 200);
  return {
    address: addr.json.Address as string,
    mac: ce.json.Interface.MacAddress,
    join: join.json,
  };
}

Deno.test("argument-less methods answer with an empty body; unknown methods get 404", async () => {
  const { call } = setup();
  assert.deepEqual((await call("Plugin.Activate")).json, {
    Implements: ["NetworkDriver", "IpamDriver"],
  });
  assert.deepEqual((await call("NetworkDriver.GetCapabilities")).json, {
    Scope: "local",
    ConnectivityScope: "global",
  });
  assert.deepEqual((await call("IpamDriver.GetCapabilities")).json, {
    RequiresMACAddress: false,
    RequiresRequestReplay: false,
  });
  assert.deepEqual((await call("IpamDriver.GetDefaultAddressSpaces")).json, {
    LocalDefaultAddressSpace: "l2vlan_local",
    GlobalDefaultAddressSpace: "l2vlan_global",
  });
  const discover = {
    DiscoveryType: 1,
    DiscoveryData: { Address: "10.99.0.1", BindAddress: "10.99.0.1", Self: true },
  };
  assert.deepEqual(await call("NetworkDriver.DiscoverNew", discover), { status: 200, json: {} });
  assert.deepEqual(await call("NetworkDriver.DiscoverDelete", discover), { status: 200, json: {} });
  const unknown = await call("NetworkDriver.Frobnicate");
  assert.equal(unknown.status, 404);
  assert.match(unknown.json.Err, /does not implement \/NetworkDriver\.Frobnicate/);
});

Deno.test("every method with required fields answers an empty body with 400 naming the field", async () => {
  const { call } = setup();
  const noArgs = new Set([
    "/Plugin.Activate",
    "/NetworkDriver.GetCapabilities",
    "/NetworkDriver.DiscoverNew",
    "/NetworkDriver.DiscoverDelete",
    "/IpamDriver.GetCapabilities",
    "/IpamDriver.GetDefaultAddressSpaces",
  ]);
  for (const path of L2VLAN_METHODS) {
    const r = await call(path.slice(1));
    if (noArgs.has(path)) {
      assert.equal(r.status, 200, path);
      continue;
    }
    if (path === "/IpamDriver.RequestPool") {
      assert.equal(r.status, 500, path);
      assert.match(r.json.Err, /needs an explicit subnet/);
      continue;
    }
    assert.equal(r.status, 400, `${path}: ${JSON.stringify(r.json)}`);
    assert.match(r.json.Err, new RegExp(`^Bad ${path.replace(".", "\\.")} request: field "\\w+"`));
    assert.equal(r.json.Error, r.json.Err, "IPAM errors need Error too");
  }
});

Deno.test("malformed JSON and wrong field types are 400 with Err and Error; the handler keeps serving", async () => {
  const { call } = setup();
  const bad = await call("IpamDriver.RequestPool", "{not json");
  assert.equal(bad.status, 400);
  assert.match(bad.json.Err, /^Bad \/IpamDriver\.RequestPool request: malformed JSON/);
  const arr = await call("NetworkDriver.CreateNetwork", "[1,2]");
  assert.match(arr.json.Err, /body must be a JSON object, got an array/);
  const typ = await call("NetworkDriver.Join", { NetworkID: 5, EndpointID: "x" });
  assert.match(typ.json.Err, /field "NetworkID" must be a string, got number/);
  assert.equal((await call("NetworkDriver.GetCapabilities")).status, 200);
});

Deno.test("the observed local lifecycle builds and removes bridge, VLAN port, rule and veths", async () => {
  const { call, k, driver } = setup();
  const p1 = await createNetwork(call, NET1, "192.168.1.2/32");
  assert.deepEqual(k.ops.slice(0, 7), [
    "addBridge vlan2000",
    "addVlan eno1 eno1.2000 2000",
    "setMaster eno1.2000 vlan2000",
    "setUp eno1",
    "setUp eno1.2000",
    "setUp vlan2000",
    "ensureForward vlan2000",
  ]);
  const c1 = await run(call, p1, NET1, EP1);
  assert.equal(c1.address, "192.168.1.2/24");
  assert.equal(c1.mac, "02:42:c0:a8:01:02");
  assert.deepEqual(c1.join, {
    InterfaceName: { SrcName: "l2vc887f5baf0e0", DstPrefix: "eth" },
    StaticRoutes: [],
    DisableGatewayService: true,
    Gateway: "192.168.1.1",
  });
  assert.equal(k.linkMap.get("l2vh887f5baf0e0")!.master, "vlan2000");
  assert.equal(k.linkMap.get("l2vc887f5baf0e0")!.master, undefined);
  const ep = { NetworkID: NET1, EndpointID: EP1 };
  assert.equal((await call("NetworkDriver.ProgramExternalConnectivity", ep)).status, 200);
  assert.deepEqual((await call("NetworkDriver.EndpointOperInfo", ep)).json, {
    Value: { hostIf: "l2vh887f5baf0e0", bridge: "vlan2000", mac: "02:42:c0:a8:01:02" },
  });
  k.moveToSandbox("l2vc887f5baf0e0");
  for (const m of ["RevokeExternalConnectivity", "Leave", "DeleteEndpoint"]) {
    assert.deepEqual(await call(`NetworkDriver.${m}`, ep), { status: 200, json: {} }, m);
  }
  assert.ok(!k.linkMap.has("l2vh887f5baf0e0"));
  for (const a of ["192.168.1.2", "192.168.1.1"]) {
    assert.equal((await call("IpamDriver.ReleaseAddress", { PoolID: p1, Address: a })).status, 200);
  }
  assert.equal((await call("IpamDriver.ReleasePool", { PoolID: p1 })).status, 200);
  assert.equal((await call("NetworkDriver.DeleteNetwork", { NetworkID: NET1 })).status, 200);
  assert.deepEqual([...k.linkMap.keys()], ["eno1"]);
  assert.deepEqual(k.rules.size, 0);
  assert.deepEqual(driver.state, emptyState());
  // deleting again, and releasing unknown things, is fine
  assert.equal((await call("NetworkDriver.DeleteNetwork", { NetworkID: NET1 })).status, 200);
  assert.equal((await call("NetworkDriver.DeleteEndpoint", ep)).status, 200);
});

Deno.test("two --config-from networks share subnet, gateway and bridge; the bridge goes with the last", async () => {
  const { call, k } = setup();
  const p1 = await createNetwork(call, NET1, "192.168.1.2/32");
  const p2 = await createNetwork(call, NET2, "192.168.1.3/32");
  assert.equal(k.ops.filter((o) => o.startsWith("addBridge")).length, 1);
  assert.equal((await run(call, p1, NET1, EP1)).address, "192.168.1.2/24");
  assert.equal((await run(call, p2, NET2, EP2)).address, "192.168.1.3/24");
  assert.equal(k.linkMap.get("l2vh9a1c2f3e4d5")!.master, "vlan2000");
  await call("NetworkDriver.DeleteEndpoint", { NetworkID: NET1, EndpointID: EP1 });
  await call("NetworkDriver.DeleteNetwork", { NetworkID: NET1 });
  assert.ok(k.linkMap.has("vlan2000"), "net2 still uses the bridge");
  assert.equal(k.rules.size, 1);
  await call("NetworkDriver.DeleteEndpoint", { NetworkID: NET2, EndpointID: EP2 });
  await call("NetworkDriver.DeleteNetwork", { NetworkID: NET2 });
  assert.deepEqual([...k.linkMap.keys()], ["eno1"]);
  assert.equal(k.rules.size, 0);
});

Deno.test("untagged mode enslaves ext_if and releases it again; a pre-existing bridge is used as is", async () => {
  const { call, k } = setup(["eno1"]);
  await createNetwork(call, NET1, "192.168.1.2/32", {
    ext_if: "eno1",
    vlan_id: "0",
    bridge_name: "l2b",
  });
  assert.equal(k.linkMap.get("eno1")!.master, "l2b");
  assert.ok(!k.ops.some((o) => o.startsWith("addVlan")));
  await call("NetworkDriver.DeleteNetwork", { NetworkID: NET1 });
  assert.equal(k.linkMap.get("eno1")!.master, undefined);
  assert.ok(!k.linkMap.has("l2b"));

  const pre = setup(["eno1"]);
  await pre.k.links.addBridge("br0");
  await createNetwork(pre.call, NET1, "192.168.1.2/32", {
    ext_if: "eno1",
    vlan_id: "2000",
    bridge_name: "br0",
  });
  assert.ok(!pre.k.linkMap.has("eno1.2000"), "the seed's rule: existing bridge, no sub-interface");
  await pre.call("NetworkDriver.DeleteNetwork", { NetworkID: NET1 });
  assert.ok(pre.k.linkMap.has("br0"), "a bridge l2vlan did not create stays");
});

Deno.test("bad networks fail with a clear Err and leave nothing behind", async () => {
  const { call, k, driver } = setup(["eno1"]);
  const cases: [Record<string, string>, number, RegExp][] = [
    [{ ...TAGGED, vlan_id: "5000" }, 400, /vlan_id=5000: use 1\.\.4094/],
    [{ ...TAGGED, ext_if: "nosuch0" }, 500, /ext_if nosuch0 does not exist on this node/],
  ];
  for (const [generic, status, re] of cases) {
    const r = await call("NetworkDriver.CreateNetwork", netReq(NET1, generic));
    assert.equal(r.status, status);
    assert.match(r.json.Err, re);
  }
  assert.deepEqual([...k.linkMap.keys()], ["eno1"]);
  assert.deepEqual(driver.state, emptyState());
  await createNetwork(call, NET1, "192.168.1.2/32");
  const clash = await call(
    "NetworkDriver.CreateNetwork",
    netReq(NET2, { ...TAGGED, vlan_id: "2001" }),
  );
  assert.match(clash.json.Err, /Bridge vlan2000 already carries ext_if eno1 vlan_id 2000/);
  k.failNext("addVeth");
  const ce = await call("NetworkDriver.CreateEndpoint", {
    NetworkID: NET1,
    EndpointID: EP1,
    Interface: { Address: "192.168.1.2/24" },
  });
  assert.equal(ce.status, 500);
  assert.match(ce.json.Err, /fake failure: addVeth/);
  assert.ok(!k.linkMap.has("l2vh887f5baf0e0"));
  assert.deepEqual(driver.state.endpoints, {});
});

Deno.test("endpoint errors: unknown network, no address, address outside the subnet", async () => {
  const { call } = setup();
  const unknown = await call("NetworkDriver.CreateEndpoint", {
    NetworkID: "deadbeef",
    EndpointID: EP1,
    Interface: { Address: "192.168.1.2/24" },
  });
  assert.equal(unknown.status, 500);
  assert.match(unknown.json.Err, /Network deadbeef is not known to l2vlan/);
  await createNetwork(call, NET1, "192.168.1.2/32");
  const none = await call("NetworkDriver.CreateEndpoint", {
    NetworkID: NET1,
    EndpointID: EP1,
    Interface: { Address: "" },
  });
  assert.match(none.json.Err, /no IPv4 address/);
  const outside = await call("NetworkDriver.CreateEndpoint", {
    NetworkID: NET1,
    EndpointID: EP1,
    Interface: { Address: "10.0.0.2/24" },
  });
  assert.match(outside.json.Err, /outside the network's subnet 192\.168\.1\.0\/24/);
  const join = await call("NetworkDriver.Join", { NetworkID: NET1, EndpointID: EP1 });
  assert.match(join.json.Err, /Endpoint 887f5baf0e0e is not known/);
});

Deno.test("a given MAC is kept and not echoed back", async () => {
  const { call, k } = setup();
  await createNetwork(call, NET1, "192.168.1.2/32");
  const ce = await call("NetworkDriver.CreateEndpoint", {
    NetworkID: NET1,
    EndpointID: EP1,
    Interface: { Address: "192.168.1.2/24", MacAddress: "02:00:00:00:00:09" },
  });
  assert.deepEqual(ce.json, {});
  assert.ok(
    k.ops.includes("addVeth l2vh887f5baf0e0 l2vc887f5baf0e0 mtu=1500 mac=02:00:00:00:00:09"),
  );
});

Deno.test("a restarted driver continues from the saved state: no duplicates, old endpoints work", async () => {
  const first = setup();
  const p = await createNetwork(first.call, NET1, "192.168.1.2/31");
  await run(first.call, p, NET1, EP1);
  const second = setup(["eno1"], structuredClone(first.saved.at(-1)!));
  // the kernel of the first still has the links: share it
  for (const [n, l] of first.k.linkMap) second.k.linkMap.set(n, { ...l });
  await second.driver.recover(true);
  assert.equal((await run(second.call, p, NET1, EP2)).address, "192.168.1.3/24");
  const again = await second.call("IpamDriver.RequestAddress", { PoolID: p, Address: "" });
  assert.match(again.json.Err, /No free address in 192\.168\.1\.2\/31/);
  const join = await second.call("NetworkDriver.Join", { NetworkID: NET1, EndpointID: EP1 });
  assert.equal(join.json.InterfaceName.SrcName, "l2vc887f5baf0e0");
});

Deno.test("RequestAddress reclaims addresses of endpoints whose veth is gone (dockerd crash)", async () => {
  const { call, k, driver } = setup();
  const p = await createNetwork(call, NET1, "192.168.1.2/32");
  await run(call, p, NET1, EP1);
  const full = await call("IpamDriver.RequestAddress", { PoolID: p, Address: "" });
  assert.equal(full.status, 500, "the container still runs: no reclaim");
  k.dropVeth("l2vh887f5baf0e0");
  const r = await run(call, p, NET1, EP2);
  assert.equal(r.address, "192.168.1.2/24");
  assert.deepEqual(Object.keys(driver.state.endpoints), [EP2]);
  assert.ok(k.logs.some((l) => l.includes("reclaimed addresses")));
});

Deno.test("parallel RequestAddress calls never return the same address", async () => {
  const { call } = setup();
  const p = await createNetwork(call, NET1, "192.168.1.0/27");
  const got = await Promise.all(
    Array.from({ length: 30 }, () => call("IpamDriver.RequestAddress", { PoolID: p, Address: "" })),
  );
  const addrs = got.map((g) => g.json.Address);
  assert.equal(new Set(addrs).size, 30, ".2 … .31: the range minus network and gateway");
  assert.ok(!addrs.includes("192.168.1.1/24"));
  const over = await call("IpamDriver.RequestAddress", { PoolID: p, Address: "" });
  assert.match(over.json.Err, /No free address/);
});

Deno.test("CreateNetwork is idempotent for a known ID (swarm re-creates per task)", async () => {
  const { call, k } = setup();
  await createNetwork(call, NET2, "192.168.1.2/32");
  await call("NetworkDriver.CreateNetwork", netReq(NET2, TAGGED));
  await call("NetworkDriver.DeleteNetwork", { NetworkID: NET2 });
  await call("NetworkDriver.CreateNetwork", netReq(NET2, TAGGED));
  assert.equal(k.ops.filter((o) => o === "addBridge vlan2000").length, 2);
  assert.ok(k.linkMap.has("eno1.2000"));
});
