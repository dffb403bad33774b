import assert from "node:assert/strict";
import { LabelCap, OTHER } from "./label_cap.ts";

Deno.test("LabelCap.admit() keeps the first max values and folds the rest, counting them", () => {
  const cap = new LabelCap(2);
  assert.equal(cap.admit("a"), "a");
  assert.equal(cap.admit("b"), "b");
  assert.equal(cap.admit("a"), "a", "a known value stays admitted");
  assert.equal(cap.admit("c"), OTHER);
  assert.equal(cap.admit("d"), OTHER);
  assert.equal(cap.size, 2);
  assert.equal(cap.folded, 2);
});

Deno.test("LabelCap.admit() distinguishes keys with the same value (per-host names)", () => {
  const cap = new LabelCap(1);
  assert.equal(cap.admit("web", "h1\0web"), "web");
  assert.equal(cap.admit("web", "h2\0web"), OTHER);
});

Deno.test("LabelCap(0) folds everything; a bad max throws", () => {
  assert.equal(new LabelCap(0).admit("x"), OTHER);
  assert.throws(() => new LabelCap(-1), TypeError);
  assert.throws(() => new LabelCap(1.5), TypeError);
});
