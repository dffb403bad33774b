import assert from "node:assert/strict";
import { formatDuration, parseDuration } from "./duration.ts";

Deno.test("parseDuration() accepts seconds and Go-style unit sequences", () => {
  assert.equal(parseDuration(30), 30_000);
  assert.equal(parseDuration(2.5), 2500);
  assert.equal(parseDuration("45"), 45_000);
  assert.equal(parseDuration("500ms"), 500);
  assert.equal(parseDuration("1m30s"), 90_000);
  assert.equal(parseDuration("1.5h"), 5_400_000);
  assert.equal(parseDuration(" 2s "), 2000);
  assert.equal(parseDuration("1h2m3s4ms"), 3_723_004);
  assert.equal(parseDuration("250us"), 0);
  assert.equal(parseDuration(0), 0);
});

Deno.test("parseDuration() refuses other input with one message naming the fix", () => {
  for (const bad of ["soon", "1 m", "-1s", "1d", "", "s", "1m30"]) {
    const r = parseDuration(bad);
    assert.ok(typeof r === "object", bad);
    assert.match(r.error, /is not a duration — write e\.g\. "500ms", "30s", "1m30s"/);
  }
  assert.deepEqual(parseDuration(-1), {
    error: '-1 is not a duration — write e.g. "500ms", "30s", "1m30s" or a number of seconds',
  });
  assert.match((parseDuration([1]) as { error: string }).error, /got a list/);
});

Deno.test("parseDuration() truncates a huge invalid value in its message", () => {
  const r = parseDuration("x".repeat(5000)) as { error: string };
  assert.ok(r.error.length < 200, r.error);
  assert.match(r.error, /…"/);
});

Deno.test("formatDuration() renders compactly", () => {
  assert.equal(formatDuration(500), "500ms");
  assert.equal(formatDuration(1500), "1.5s");
  assert.equal(formatDuration(90_000), "1m30s");
  assert.equal(formatDuration(120_000), "2m");
  assert.equal(formatDuration(7_200_000), "2h");
});

Deno.test("parseDuration() reads Go durations and bare seconds (hosts section examples)", () => {
  assert.equal(parseDuration("1s"), 1000);
  assert.equal(parseDuration("1m30s"), 90_000);
  assert.equal(parseDuration("250ms"), 250);
  assert.equal(parseDuration(2), 2000);
  assert.equal(typeof parseDuration("soon"), "object");
});
