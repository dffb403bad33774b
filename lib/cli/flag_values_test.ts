import assert from "node:assert/strict";
import { durationFlag, positiveIntFlag } from "./flag_values.ts";

Deno.test("durationFlag() takes seconds or units and names the flag when invalid", () => {
  assert.equal(durationFlag("--handler-timeout", "30", 1), 30_000);
  assert.equal(durationFlag("--handler-timeout", "1m30s", 1), 90_000);
  assert.equal(durationFlag("--handler-timeout", undefined, 7), 7);
  assert.equal(durationFlag("--script-timeout", undefined), undefined);
  for (const bad of ["0", "-3", "soon", ""]) {
    assert.throws(
      () => durationFlag("--drain-timeout", bad, 1),
      new RegExp(`Invalid --drain-timeout "${bad}": use a positive duration`),
    );
  }
});

Deno.test("positiveIntFlag() refuses zero and fractions", () => {
  assert.equal(positiveIntFlag("--concurrency", "4", 16), 4);
  assert.equal(positiveIntFlag("--concurrency", undefined, 16), 16);
  assert.throws(() => positiveIntFlag("--concurrency", "0", 16), /whole number >= 1/);
  assert.throws(() => positiveIntFlag("--concurrency", "1.5", 16), /whole number >= 1/);
});
