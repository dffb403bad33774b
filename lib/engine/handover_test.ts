import assert from "node:assert/strict";
import { Handover } from "./handover.ts";

Deno.test("Handover: a reload's new hook reuses the resource; the last release disposes it", () => {
  const h = new Handover<{ id: number }>();
  const engine = {}, oldHook = {}, newHook = {};
  let made = 0;
  const make = () => ({ id: ++made });
  const a = h.claim(engine, "same", oldHook, make);
  assert.equal(a.created, true);
  const b = h.claim(engine, "same", newHook, make);
  assert.equal(b.created, false);
  assert.equal(b.value, a.value);
  assert.deepEqual(h.release(engine, oldHook), []);
  assert.deepEqual(h.release(engine, newHook), [a.value]);
  // released twice: nothing more
  assert.deepEqual(h.release(engine, newHook), []);
  assert.equal(made, 1);
});

Deno.test("Handover: other settings or another engine get their own resource", () => {
  const h = new Handover<string>();
  const e1 = {}, e2 = {}, hook1 = {}, hook2 = {}, hook3 = {};
  assert.equal(h.claim(e1, "a", hook1, () => "e1a").value, "e1a");
  assert.equal(h.claim(e1, "b", hook2, () => "e1b").value, "e1b");
  assert.equal(h.claim(e2, "a", hook3, () => "e2a").value, "e2a");
  assert.deepEqual(h.release(e1, hook1), ["e1a"]);
  assert.deepEqual(h.release(e1, hook2), ["e1b"]);
  assert.deepEqual(h.release(e2, hook3), ["e2a"]);
});
