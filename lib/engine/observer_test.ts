import assert from "node:assert/strict";
import { type Observation, Observer } from "./observer.ts";

Deno.test("Observer delivers to every subscriber until it unsubscribes", () => {
  const o = new Observer();
  const a: Observation[] = [], b: Observation[] = [];
  const offA = o.subscribe((x) => a.push(x));
  o.subscribe((x) => b.push(x));
  assert.equal(o.active, true);
  const obs: Observation = { kind: "cursor", at: 1, hostId: "default", timeNano: "5" };
  o.emit(obs);
  offA();
  o.emit(obs);
  assert.equal(a.length, 1);
  assert.equal(b.length, 2);
});

Deno.test("Observer isolates a throwing subscriber and reports it once", () => {
  const errors: unknown[] = [];
  const o = new Observer((e) => errors.push(e));
  const got: Observation[] = [];
  o.subscribe(() => {
    throw new Error("bad subscriber");
  });
  o.subscribe((x) => got.push(x));
  const obs: Observation = { kind: "cursor", at: 1, hostId: "h", timeNano: "1" };
  o.emit(obs);
  o.emit(obs);
  assert.equal(got.length, 2);
  assert.equal(errors.length, 1);
});
