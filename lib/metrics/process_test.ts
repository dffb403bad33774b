import assert from "node:assert/strict";
import { bootTime, maxOpenFiles, parseProcStat, readProcessStats, statusBytes } from "./process.ts";

Deno.test("parseProcStat() counts fields after the last parenthesis of the command name", () => {
  const line = "42 (we (ird) name) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 1234 " +
    "5000000 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
  assert.deepEqual(parseProcStat(line), {
    utimeTicks: 250,
    stimeTicks: 50,
    startTicks: 1234,
    virtualBytes: 5000000,
  });
  assert.equal(parseProcStat("garbage"), undefined);
  assert.equal(parseProcStat("1 (x) S 1"), undefined);
});

Deno.test("statusBytes(), maxOpenFiles() and bootTime() read their lines", () => {
  assert.equal(statusBytes("VmSize:\t 10 kB\nVmRSS:\t 3 kB\n", "VmRSS"), 3072);
  assert.equal(statusBytes("VmSize:\t 10 kB\n", "VmRSS"), undefined);
  assert.equal(
    maxOpenFiles("Max open files            unlimited            unlimited            files\n"),
    undefined,
  );
  assert.equal(maxOpenFiles("Max processes 1 1 processes\nMax open files 2048 4096 files\n"), 2048);
  assert.equal(bootTime("btime 1700000000\n"), 1700000000);
  assert.equal(bootTime("cpu 1\n"), undefined);
});

Deno.test("readProcessStats() reports plausible values for this process", () => {
  const s = readProcessStats();
  assert.ok(s.residentBytes! > 1 << 20, `rss ${s.residentBytes}`);
  assert.ok(s.virtualBytes! >= s.residentBytes!);
  assert.ok(s.cpuUserSeconds! + s.cpuSystemSeconds! > 0);
  assert.ok(s.openFds! >= 3);
  assert.ok(s.maxFds! >= s.openFds!);
  const now = Date.now() / 1000;
  assert.ok(
    s.startTimeSeconds! <= now + 1 && s.startTimeSeconds! > now - 3600,
    `${s.startTimeSeconds}`,
  );
});

Deno.test("readProcessStats() opens one more fd while a file is open", () => {
  const before = readProcessStats().openFds!;
  const f = Deno.openSync(Deno.execPath());
  try {
    assert.equal(readProcessStats().openFds, before + 1);
  } finally {
    f.close();
  }
});

Deno.test("readProcessStats() yields no fields without /proc and does not throw", () => {
  assert.deepEqual(
    Object.values(readProcessStats("/nonexistent-proc")).filter((v) => v !== undefined),
    [],
  );
});
