import assert from "node:assert/strict";
import { retry } from "./retry.ts";

Deno.test("retry() returns the first success and reports each retry", async () => {
  const seen: number[] = [];
  const v = await retry(async (a) => {
    await Promise.resolve();
    if (a < 2) throw new Error(`fail ${a}`);
    return "ok";
  }, { retries: 5, baseMs: 1, capMs: 2, minMs: 0, onRetry: (_e, n) => seen.push(n) });
  assert.equal(v, "ok");
  assert.deepEqual(seen, [1, 2]);
});

Deno.test("retry() throws the last error after the retries run out", async () => {
  let calls = 0;
  await assert.rejects(
    () =>
      retry(() => {
        calls++;
        return Promise.reject(new Error(`nope ${calls}`));
      }, { retries: 2, baseMs: 1, minMs: 0 }),
    /nope 3/,
  );
  assert.equal(calls, 3);
});

Deno.test("retry() stops at once when shouldRetry says no or the signal aborts", async () => {
  let calls = 0;
  await assert.rejects(() =>
    retry(() => {
      calls++;
      return Promise.reject(new Error("fatal"));
    }, { retries: 9, shouldRetry: () => false })
  );
  assert.equal(calls, 1);
  const ac = new AbortController();
  calls = 0;
  const p = retry(() => {
    calls++;
    ac.abort();
    return Promise.reject(new Error("x"));
  }, { retries: 9, baseMs: 60_000, minMs: 60_000, signal: ac.signal });
  await assert.rejects(p, /x/);
  assert.equal(calls, 1);
});
