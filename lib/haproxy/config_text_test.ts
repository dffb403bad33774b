import assert from "node:assert/strict";
import { parseConfig } from "./config_text.ts";

const CFG = `global
    stats socket /run/haproxy/admin.sock level admin

frontend fe
    bind *:80
    default_backend be

backend be
    balance roundrobin
    server a_1 10.0.0.2:80 weight 5 check inter 2s # comment
    server b_2 10.0.0.3:80 check disabled
    server c_3 app.internal:80 weight 1

listen stats
    bind 127.0.0.1:9000
    server s 10.0.0.9:9000
`;

Deno.test("parseConfig() splits servers from the structure", () => {
  const shape = parseConfig(CFG);
  assert.ok(!shape.structure.includes("server a_1"));
  assert.ok(shape.structure.includes("stats socket /run/haproxy/admin.sock"));
  const be = shape.servers.get("be")!;
  assert.deepEqual([...be.keys()], ["a_1", "b_2", "c_3"]);
  assert.deepEqual(be.get("a_1"), {
    backend: "be",
    name: "a_1",
    address: "10.0.0.2",
    port: 80,
    weight: 5,
    disabled: false,
    args: "10.0.0.2:80 weight 5 check inter 2s",
    options: "check inter 2s",
  });
  assert.equal(be.get("b_2")!.weight, 1, "HAProxy's default weight");
  assert.equal(be.get("b_2")!.disabled, true);
  assert.equal(be.get("c_3")!.address, "", "a name, not an IPv4 address");
  assert.deepEqual([...shape.servers.get("stats")!.keys()], ["s"]);
});

Deno.test("parseConfig() gives equal structures when only servers differ", () => {
  const other = CFG.replace("server a_1 10.0.0.2:80 weight 5 check inter 2s # comment\n", "")
    .replace("weight 1", "weight 9");
  assert.equal(parseConfig(other).structure, parseConfig(CFG).structure);
  assert.notEqual(parseConfig(CFG.replace("*:80", "*:81")).structure, parseConfig(CFG).structure);
});

Deno.test("parseConfig() normalizes trailing whitespace and blank lines", () => {
  assert.equal(
    parseConfig("backend b\n\n\n    balance roundrobin   \n\n").structure,
    parseConfig("backend b\n\n    balance roundrobin\n").structure,
  );
});
