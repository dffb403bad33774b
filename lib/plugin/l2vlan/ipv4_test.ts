import assert from "node:assert/strict";
import {
  contains,
  formatCidr,
  formatIp,
  isReserved,
  macFromIp,
  overlaps,
  parseCidr,
  parseIp,
  within,
} from "./ipv4.ts";

Deno.test("parseIp()/formatIp() round-trip and reject non-addresses", () => {
  assert.equal(formatIp(parseIp("192.168.1.2")!), "192.168.1.2");
  assert.equal(parseIp("255.255.255.255"), 0xffffffff);
  for (const bad of ["256.1.1.1", "1.2.3", "01.2.3.4", "a.b.c.d", "", "1.2.3.4/24"]) {
    assert.equal(parseIp(bad), undefined, bad);
  }
});

Deno.test("parseCidr() clears host bits unless strict", () => {
  assert.equal(formatCidr(parseCidr("192.168.1.7/24")!), "192.168.1.0/24");
  assert.equal(parseCidr("192.168.1.7/24", true), undefined);
  assert.equal(formatCidr(parseCidr("10.0.0.0/0")!), "0.0.0.0/0");
  assert.equal(parseCidr("10.0.0.0/33"), undefined);
  assert.equal(parseCidr("10.0.0.0"), undefined);
});

Deno.test("contains()/within()/overlaps() on /24, /31 and /32", () => {
  const net = parseCidr("192.168.1.0/24")!;
  assert.ok(contains(net, parseIp("192.168.1.255")!));
  assert.ok(!contains(net, parseIp("192.168.2.0")!));
  assert.ok(within(parseCidr("192.168.1.2/31")!, net));
  assert.ok(!within(parseCidr("192.168.0.0/16")!, net));
  assert.ok(overlaps(parseCidr("192.168.0.0/16")!, net));
  assert.ok(!overlaps(parseCidr("192.168.2.0/24")!, net));
});

Deno.test("isReserved() covers network and broadcast up to /30 only", () => {
  const net = parseCidr("10.251.1.0/24")!;
  assert.ok(isReserved(net, parseIp("10.251.1.0")!));
  assert.ok(isReserved(net, parseIp("10.251.1.255")!));
  assert.ok(!isReserved(net, parseIp("10.251.1.1")!));
  assert.ok(!isReserved(parseCidr("10.251.1.2/31")!, parseIp("10.251.1.2")!));
});

Deno.test("macFromIp() is Docker's 02:42 + IPv4 scheme", () => {
  assert.equal(macFromIp(parseIp("192.168.1.2")!), "02:42:c0:a8:01:02");
});
