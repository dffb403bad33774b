import assert from "node:assert/strict";
import type { Log, LogFields } from "../log.ts";
import { BurstLog } from "./burst.ts";

function captureLog() {
  const lines: { level: string; message: string; fields?: LogFields }[] = [];
  const log: Log = {
    debug: (message, fields) => lines.push({ level: "debug", message, fields }),
    info: (message, fields) => lines.push({ level: "info", message, fields }),
    warn: (message, fields) => lines.push({ level: "warn", message, fields }),
    error: (message, fields) => lines.push({ level: "error", message, fields }),
    child: () => log,
  };
  return { log, lines };
}

Deno.test("BurstLog warns once per burst and reports the count on recovery", () => {
  const { log, lines } = captureLog();
  let now = 0;
  const b = new BurstLog(log, { remindMs: 1000, now: () => now });
  for (let i = 0; i < 5; i++) b.failure("k", "down");
  assert.equal(b.failures("k"), 5);
  b.success("k", (n) => `up after ${n}`);
  b.success("k", (n) => `again ${n}`); // no burst: silent
  b.failure("k", "down again");
  assert.deepEqual(lines.map((l) => `${l.level}:${l.message}`), [
    "warn:down",
    "info:up after 5",
    "warn:down again",
  ]);
  now = 1500;
  b.failure("k", "still");
  assert.match(lines.at(-1)!.message, /^still \(2 failures since 1970-01-01T00:00:00.000Z\)$/);
});

Deno.test("BurstLog keeps keys apart", () => {
  const { log, lines } = captureLog();
  const b = new BurstLog(log);
  b.failure("a", "a down");
  b.failure("b", "b down");
  b.failure("a", "a down");
  assert.equal(lines.length, 2);
});
