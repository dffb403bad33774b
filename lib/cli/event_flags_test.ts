import assert from "node:assert/strict";
import { UsageError } from "../errors.ts";
import { parseEventFilters, parseEventTime } from "./event_flags.ts";

Deno.test("parseEventTime() reads Unix timestamps, dates and durations back from now", () => {
  assert.equal(parseEventTime("--since", "1700000000"), "1700000000000000000");
  assert.equal(parseEventTime("--since", "1700000000.25"), "1700000000250000000");
  assert.equal(parseEventTime("--since", "2026-05-04T10:00:00Z"), "1777888800000000000");
  const now = 1_777_888_800_000;
  assert.equal(
    parseEventTime("--since", "10m", now),
    (BigInt(now - 600_000) * 1_000_000n).toString(),
  );
  assert.equal(
    parseEventTime("--until", "1h30m", now),
    (BigInt(now - 5_400_000) * 1_000_000n).toString(),
  );
  const err = (() => {
    try {
      parseEventTime("--until", "yesterday");
    } catch (e) {
      return e;
    }
  })();
  assert.ok(err instanceof UsageError);
  assert.match(err.message, /^Invalid --until "yesterday": use a Unix timestamp/);
});

Deno.test("parseEventFilters() builds the Engine's filter map with docker's keys", () => {
  assert.deepEqual(
    parseEventFilters(["type=container", "event=start", "event=die", "label=com.x=y"]),
    { type: ["container"], event: ["start", "die"], label: ["com.x=y"] },
  );
  assert.throws(
    () => parseEventFilters(["colour=red"]),
    /unknown key "colour" — use one of config/,
  );
  assert.throws(() => parseEventFilters(["type"]), /Invalid --filter "type": use key=value/);
});
