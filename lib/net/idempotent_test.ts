import assert from "node:assert/strict";
import {
  addressPresent,
  ensureIp,
  normalizeDst,
  parseAddressSpec,
  parseRouteSpec,
  routeMatches,
} from "./idempotent.ts";
import { ip, ipJson } from "./ip.ts";
import { exec } from "../exec/run.ts";
import { CommandError } from "../errors.ts";

Deno.test("normalizeDst() matches how ip -j prints destinations", () => {
  assert.equal(normalizeDst("0.0.0.0/0"), "default");
  assert.equal(normalizeDst("10.0.0.1/32"), "10.0.0.1");
  assert.equal(normalizeDst("fd00::1/128"), "fd00::1");
  assert.equal(normalizeDst("10.0.0.0/8"), "10.0.0.0/8");
});

Deno.test("parseRouteSpec() finds the identifying fields", () => {
  assert.deepEqual(
    parseRouteSpec(["10.8.0.0/16", "via", "10.9.0.1", "dev", "eth0", "metric", "5", "mtu", "1400"]),
    { dst: "10.8.0.0/16", via: "10.9.0.1", dev: "eth0", metric: 5 },
  );
  assert.deepEqual(parseRouteSpec(["blackhole", "10.1.0.0/16", "table", "100"]), {
    type: "blackhole",
    dst: "10.1.0.0/16",
    table: "100",
  });
  assert.deepEqual(parseRouteSpec(["to", "default", "via", "inet", "1.2.3.4", "onlink"]), {
    dst: "default",
    via: "1.2.3.4",
  });
});

Deno.test("routeMatches() requires every named field, and the default metric", () => {
  const e = { dst: "10.8.0.0/16", gateway: "10.9.0.1", dev: "d0", flags: [] };
  assert.equal(routeMatches(e, { dst: "10.8.0.0/16", via: "10.9.0.1" }), true);
  assert.equal(routeMatches(e, { dst: "10.8.0.0/16", via: "10.9.0.2" }), false);
  assert.equal(routeMatches(e, { dst: "10.8.0.0/16", dev: "d1" }), false);
  assert.equal(routeMatches(e, { dst: "10.8.0.0/16", metric: 5 }), false);
  assert.equal(routeMatches({ ...e, metric: 5 }, { dst: "10.8.0.0/16" }), false);
  assert.equal(routeMatches({ ...e, metric: 5 }, { dst: "10.8.0.0/16", metric: 5 }), true);
  assert.equal(routeMatches(e, { dst: "10.8.0.0/16", type: "blackhole" }), false);
});

Deno.test("parseAddressSpec() and addressPresent() compare address and prefix length", () => {
  const spec = parseAddressSpec(["10.9.0.2/24", "dev", "d0", "label", "d0:1"]);
  assert.deepEqual(spec, { local: "10.9.0.2", prefixLen: 24, dev: "d0" });
  assert.deepEqual(parseAddressSpec(["local", "fd00::2", "dev", "d0"]), {
    local: "fd00::2",
    prefixLen: 128,
    dev: "d0",
  });
  const links = [{ ifname: "d0", addr_info: [{ local: "10.9.0.2", prefixlen: 24 }] }];
  assert.equal(addressPresent(links, spec), true);
  assert.equal(addressPresent(links, { ...spec, prefixLen: 16 }), false);
  assert.equal(addressPresent(links, { ...spec, dev: "d1" }), false);
});

// Real namespace: a netns with a veth pair, created and deleted by this test.
Deno.test("ensureIp() is idempotent for the exact route/address and fails for a different one", async () => {
  const ns = `rxidem${Deno.pid}`;
  await exec(["ip", "netns", "add", ns]);
  try {
    const n = ["ip", "-n", ns];
    await exec([...n, "link", "add", "d0", "type", "veth", "peer", "name", "d1"]);
    await exec([...n, "link", "set", "d0", "up"]);
    await exec([...n, "link", "set", "d1", "up"]);
    const netns = { path: `/run/netns/${ns}` };
    const opts = { exec };

    const addr = ip.address.add("10.9.0.2/24", { dev: "d0", netns });
    assert.equal((await ensureIp(addr, opts)).outcome, "applied");
    assert.equal((await ensureIp(addr, opts)).outcome, "present");
    const route = ip.route.add("10.8.0.0/16", { via: "10.9.0.1", netns });
    assert.equal((await ensureIp(route, opts)).outcome, "applied");
    assert.equal((await ensureIp(route, opts)).outcome, "present");
    const other = ip.route.add("10.8.0.0/16", { via: "10.9.0.3", netns });
    await assert.rejects(ensureIp(other, opts), (e: unknown) => {
      assert.ok(e instanceof CommandError);
      assert.match(e.stderr, /File exists/);
      return true;
    });
    const routes = await ipJson(["route", "show", "10.8.0.0/16"], netns, opts) as {
      gateway: string;
    }[];
    assert.deepEqual(routes.map((r) => r.gateway), ["10.9.0.1"]);

    const del = ip.route.del("10.8.0.0/16", { netns });
    assert.equal((await ensureIp(del, opts)).outcome, "applied");
    assert.equal((await ensureIp(del, opts)).outcome, "absent");
    const adel = ip.address.del("10.9.0.2/24", { dev: "d0", netns });
    assert.equal((await ensureIp(adel, opts)).outcome, "applied");
    assert.equal((await ensureIp(adel, opts)).outcome, "absent");
  } finally {
    await exec(["ip", "netns", "del", ns], { okCodes: [0, 1] });
  }
});
