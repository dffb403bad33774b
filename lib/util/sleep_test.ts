import assert from "node:assert/strict";
import { sleep } from "./sleep.ts";

Deno.test("sleep() resolves early when the signal aborts", async () => {
  const ac = new AbortController();
  const started = performance.now();
  const p = sleep(60_000, ac.signal);
  ac.abort();
  await p; // would hang the test (and leak a timer) if not resolved
  assert.ok(performance.now() - started < 30_000);
});

Deno.test("sleep() resolves at once for an already aborted signal", async () => {
  await sleep(60_000, AbortSignal.abort());
});
