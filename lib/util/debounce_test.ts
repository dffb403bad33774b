import assert from "node:assert/strict";
import { Debouncer } from "./debounce.ts";
import { sleep } from "./sleep.ts";

Deno.test("Debouncer coalesces a burst into one run after the quiet time", async () => {
  let n = 0;
  const d = new Debouncer(() => void n++, { minMs: 30, maxMs: 1000 });
  for (let i = 0; i < 20; i++) d.trigger();
  await d.idle();
  assert.equal(n, 1);
  d.close();
});

Deno.test("Debouncer runs by maxMs even while triggers keep coming", async () => {
  let n = 0;
  const d = new Debouncer(() => void n++, { minMs: 50, maxMs: 120 });
  const until = performance.now() + 400;
  while (performance.now() < until) {
    d.trigger();
    await sleep(10);
  }
  await d.idle();
  d.close();
  // a 400 ms continuous burst must not starve the runs: at least 2 deadlines passed
  assert.ok(n >= 2, `ran ${n} times`);
});

Deno.test("Debouncer never overlaps runs and re-runs once for triggers during a run", async () => {
  let active = 0, max = 0, n = 0;
  const d = new Debouncer(async () => {
    active++;
    max = Math.max(max, active);
    n++;
    await sleep(40);
    active--;
  }, { minMs: 0 });
  d.trigger();
  await sleep(10);
  d.trigger();
  d.trigger();
  await d.idle();
  d.close();
  assert.equal(max, 1);
  assert.equal(n, 2);
});

Deno.test("Debouncer reports a throwing run and keeps working", async () => {
  const errors: unknown[] = [];
  let n = 0;
  const d = new Debouncer(() => {
    n++;
    if (n === 1) throw new Error("boom");
  }, { minMs: 0, onError: (e) => errors.push(e) });
  d.trigger();
  await d.idle();
  d.trigger();
  await d.idle();
  d.close();
  assert.equal(n, 2);
  assert.equal(errors.length, 1);
});

Deno.test("Debouncer.close() cancels a pending run; flush() runs now", async () => {
  let n = 0;
  const d = new Debouncer(() => void n++, { minMs: 10_000 });
  d.trigger();
  await d.flush();
  assert.equal(n, 1);
  d.trigger();
  d.close();
  await d.idle();
  assert.equal(n, 1);
});
