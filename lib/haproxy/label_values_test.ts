import assert from "node:assert/strict";
import {
  parseFlag,
  parseHost,
  parsePort,
  parsePortList,
  parsePrefix,
  parseWeight,
  refuseConfigSyntax,
} from "./label_values.ts";

const INJECTIONS = [
  "a.com\n    server evil 1.2.3.4:80",
  "a.com\r\nfoo",
  "a.com bar",
  "a.com\tbar",
  "a.com#x",
  "a'com",
  'a"com',
  "a`com",
  "a\\com",
  "a;com",
  "a\u0000com",
];

Deno.test("refuseConfigSyntax() refuses every character that could inject HAProxy config", () => {
  for (const v of INJECTIONS) {
    const msg = refuseConfigSyntax(v);
    assert.ok(msg, JSON.stringify(v));
    assert.match(msg, /could inject HAProxy configuration — remove it/);
    assert.ok(!msg.includes("\n"), "the message is one line");
  }
  assert.equal(refuseConfigSyntax("app.example.com"), undefined);
});

Deno.test("every label parser refuses injection before its own grammar", () => {
  for (const parse of [parseHost, parsePrefix, parsePort, parseWeight, parseFlag, parsePortList]) {
    for (const v of INJECTIONS) {
      const r = parse(v) as { error?: string };
      // port lists allow plain spaces around commas; "a.com bar" is refused as not a port list
      const expected = parse === parsePortList && v === "a.com bar"
        ? /is not a port list/
        : /could inject HAProxy configuration/;
      assert.match(r.error ?? "", expected, `${parse.name}(${JSON.stringify(v)})`);
    }
  }
});

Deno.test("parseHost() accepts DNS names and *. wildcards, lowercased", () => {
  assert.deepEqual(parseHost("WP1.Example.com"), { value: "wp1.example.com" });
  assert.deepEqual(parseHost("*.example.org"), { value: "*.example.org" });
  assert.deepEqual(parseHost("localhost"), { value: "localhost" });
  for (
    const bad of [
      "",
      "-a.com",
      "a..com",
      "a.com.",
      "*",
      "a*.com",
      "x".repeat(64) + ".com",
      "a/b",
      "a:80",
    ]
  ) {
    assert.match(
      (parseHost(bad) as { error: string }).error,
      /is not a host name — use DNS names/,
      bad,
    );
  }
});

Deno.test("parsePrefix() drops one leading and trailing slashes and checks segments", () => {
  assert.deepEqual(parsePrefix("dashboard/horizon"), { value: "dashboard/horizon" });
  assert.deepEqual(parsePrefix("/api/"), { value: "api" });
  assert.deepEqual(parsePrefix("caf%C3%A9.v1~x-y_z"), { value: "caf%C3%A9.v1~x-y_z" });
  assert.deepEqual(parsePrefix(""), { value: "" });
  for (const bad of ["a//b", "../etc", "a/./b", "a?b", "a%zz", "a$b", "a(b)", "//api"]) {
    assert.match((parsePrefix(bad) as { error: string }).error, /is not a path prefix/, bad);
  }
});

Deno.test("parsePort(), parseWeight(), parseFlag() and parsePortList() check ranges", () => {
  assert.deepEqual(parsePort("80"), { value: 80 });
  assert.deepEqual(parsePort("65535"), { value: 65535 });
  for (const bad of ["0", "65536", "-1", "8o", "1e3", "080808"]) {
    assert.ok("error" in parsePort(bad), bad);
  }
  assert.deepEqual(parseWeight("0"), { value: 0 });
  assert.deepEqual(parseWeight("256"), { value: 256 });
  for (const bad of ["257", "-1", "1.5", "", "1000"]) assert.ok("error" in parseWeight(bad), bad);
  assert.deepEqual(parseFlag("1"), { value: true });
  assert.deepEqual(parseFlag("0"), { value: false });
  assert.deepEqual(parseFlag("TRUE"), { value: true });
  assert.ok("error" in parseFlag("yes please"));
  assert.deepEqual(parsePortList("8080, 80,80"), { value: [80, 8080] });
  assert.deepEqual(parsePortList(""), { value: [] });
  assert.match((parsePortList("80,http") as { error: string }).error, /is not a port list/);
});
