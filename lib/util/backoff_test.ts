import assert from "node:assert/strict";
import { Backoff } from "./backoff.ts";

Deno.test("Backoff.next() grows exponentially up to the cap with full jitter", () => {
  const b = new Backoff({ baseMs: 100, capMs: 1000, minMs: 0, random: () => 0.999999 });
  const seq = Array.from({ length: 7 }, () => b.next());
  assert.deepEqual(seq, [99, 199, 399, 799, 999, 999, 999]);
});

Deno.test("Backoff.next() never goes below minMs, even with zero jitter", () => {
  const b = new Backoff({ baseMs: 100, capMs: 1000, minMs: 50, random: () => 0 });
  for (let i = 0; i < 5; i++) assert.equal(b.next(), 50);
});

Deno.test("Backoff.next() spreads delays (jitter) so reactors do not retry in lockstep", () => {
  const b = new Backoff({ baseMs: 1000, capMs: 1000, minMs: 0 });
  const seen = new Set(Array.from({ length: 50 }, () => b.next()));
  assert.ok(seen.size > 10, `expected spread, got ${[...seen]}`);
});

Deno.test("Backoff.reset() starts over after a healthy session", () => {
  const b = new Backoff({ baseMs: 100, capMs: 10_000, minMs: 0, random: () => 0.5 });
  b.next();
  b.next();
  b.next();
  assert.equal(b.attempt, 3);
  b.reset();
  assert.equal(b.attempt, 0);
  assert.equal(b.next(), 50);
});

Deno.test("Backoff survives huge attempt counts without overflow", () => {
  const b = new Backoff({ baseMs: 250, capMs: 30_000, minMs: 0, random: () => 0.5 });
  for (let i = 0; i < 5000; i++) b.next();
  assert.equal(b.next(), 15_000);
});
