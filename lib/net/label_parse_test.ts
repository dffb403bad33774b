import assert from "node:assert/strict";
import { parseLabelValue, splitParts, tokenize } from "./label_parse.ts";

Deno.test("splitParts() trims and drops empty parts", () => {
  assert.deepEqual(splitParts(" add 10.0.0.0/8 dev eth0 ;; ;replace 10.1.0.0/16 via 1.2.3.4; "), [
    "add 10.0.0.0/8 dev eth0",
    "replace 10.1.0.0/16 via 1.2.3.4",
  ]);
  assert.deepEqual(splitParts(""), []);
  assert.deepEqual(splitParts(" ; ; "), []);
});

Deno.test("tokenize() splits on any whitespace run and keeps quotes literal", () => {
  assert.deepEqual(tokenize("add\t10.0.0.0/8   dev\neth0"), ["add", "10.0.0.0/8", "dev", "eth0"]);
  assert.deepEqual(tokenize(`add "10.0.0.0/8" dev 'eth 0'`), [
    "add",
    `"10.0.0.0/8"`,
    "dev",
    "'eth",
    "0'",
  ]);
});

Deno.test("parseLabelValue() leaves shell metacharacters as inert words", () => {
  const parts = parseLabelValue("add 10.0.0.0/8 dev eth0; rm -rf /; `reboot`; $(id) && x | y > /z");
  assert.deepEqual(parts.map((p) => p.argv), [
    ["add", "10.0.0.0/8", "dev", "eth0"],
    ["rm", "-rf", "/"],
    ["`reboot`"],
    ["$(id)", "&&", "x", "|", "y", ">", "/z"],
  ]);
  assert.deepEqual(parts.map((p) => p.index), [1, 2, 3, 4]);
});

Deno.test("parseLabelValue() marks a part with control characters as malformed, alone", () => {
  const parts = parseLabelValue("add 10.0.0.0/8 dev eth0; add 10.1.0.0/16\u0000 dev eth0");
  assert.deepEqual(parts[0]?.argv, ["add", "10.0.0.0/8", "dev", "eth0"]);
  assert.equal(parts[1]?.argv, undefined);
  assert.match(parts[1]?.error ?? "", /control character/);
});

Deno.test("parseLabelValue() refuses an overlong part", () => {
  const parts = parseLabelValue("add " + "x".repeat(2000));
  assert.match(parts[0]?.error ?? "", /longer than/);
});

Deno.test("parseLabelValue() applies at most 64 parts and refuses the rest in one part", () => {
  const value = Array.from({ length: 1000 }, (_, i) => `add 10.${i % 250}.0.0/24 dev eth0`).join(
    ";",
  );
  const parts = parseLabelValue(value);
  assert.equal(parts.length, 65);
  assert.ok(parts.slice(0, 64).every((p) => p.argv));
  assert.equal(parts[64]!.argv, undefined);
  assert.match(parts[64]!.error!, /more than 64 parts: these 936 are refused/);
  assert.ok(parts[64]!.text.length < 80);
});
