// deno-lint-ignore-file no-control-regex
import assert from "node:assert/strict";
import type { LogRecord } from "@logtape/logtape";
import {
  formatJson,
  formatText,
  getLog,
  humanDuration,
  localTime,
  setupLogging,
  useColor,
} from "./log.ts";
import { exec } from "./exec/run.ts";

function record(level: LogRecord["level"], message: string, properties: Record<string, unknown>) {
  return {
    category: ["reactor"],
    level,
    message: [message],
    rawMessage: message,
    timestamp: Date.UTC(2026, 4, 4, 10, 11, 12, 345),
    properties,
  } as LogRecord;
}

Deno.test("formatText() writes local, human-readable times, durations and cursor times", () => {
  const r = record("warning", "Host unavailable", {
    host: "default",
    delayMs: 4213,
    since: "1777889472345000000",
    cmd: "ip route add 10.1.0.0/24 dev eth0",
  });
  const line = formatText(r);
  const when = localTime(r.timestamp);
  assert.match(when, /^2026-05-0[45] \d\d:\d\d:12\.345$/);
  assert.equal(
    line,
    `${when} WARN  Host unavailable host=default delay=4.2s since="${
      localTime(1777889472345)
    }" cmd="ip route add 10.1.0.0/24 dev eth0"\n`,
  );
  assert.doesNotMatch(line, /\x1b\[/);
  // JSON keeps the machine forms
  const o = JSON.parse(formatJson(r));
  assert.equal(o.time, "2026-05-04T10:11:12.345Z");
  assert.equal(o.delayMs, 4213);
  assert.equal(o.since, "1777889472345000000");
});

Deno.test("humanDuration() rounds for people", () => {
  assert.equal(humanDuration(250), "250ms");
  assert.equal(humanDuration(4213), "4.2s");
  assert.equal(humanDuration(30_000), "30s");
  assert.equal(humanDuration(150_000), "2m30s");
  assert.equal(humanDuration(3_900_000), "1h5m");
});

Deno.test("formatText() colours the level only when asked", () => {
  const line = formatText(record("error", "boom", { k: 1 }), { color: true });
  assert.match(line, /\x1b\[31mERROR\x1b\[0m boom/);
});

Deno.test("useColor(): a terminal without NO_COLOR only", () => {
  const env = (v?: string) => ({ get: (k: string) => k === "NO_COLOR" ? v : undefined });
  assert.equal(useColor(env(), () => true), true);
  assert.equal(useColor(env(""), () => true), true, "an empty NO_COLOR does not count");
  assert.equal(useColor(env("1"), () => true), false);
  assert.equal(useColor(env(), () => false), false);
});

Deno.test("reactor's text log is coloured on a terminal, plain with NO_COLOR or a pipe", async () => {
  const main = new URL("../main.ts", import.meta.url).pathname;
  // an invalid engine address logs a warning right away; --help-free, exits on its own
  const cmd =
    `${Deno.execPath()} run -A ${main} --state-dir /nonexistent/x -H unix:///nonexistent.sock once`;
  const tty = await exec(["script", "-qec", cmd, "/dev/null"], {
    okCodes: [0, 1, 2],
    env: { NO_COLOR: "" },
    timeoutMs: 60_000,
  });
  assert.match(tty.stdout, /\x1b\[31mERROR\x1b\[0m/, tty.stdout);
  const noColor = await exec(["script", "-qec", cmd, "/dev/null"], {
    okCodes: [0, 1, 2],
    env: { NO_COLOR: "1" },
    timeoutMs: 60_000,
  });
  assert.match(noColor.stdout, /ERROR/);
  assert.doesNotMatch(noColor.stdout, /\x1b\[3/, noColor.stdout);
  const piped = await exec(cmd.split(" "), { okCodes: [0, 1, 2], timeoutMs: 60_000 });
  assert.match(piped.stderr, /ERROR/);
  assert.doesNotMatch(piped.stderr, /\x1b\[/);
});

Deno.test("getLog() child() merges bound fields only into records that are written", () => {
  const lines: string[] = [];
  setupLogging({ level: "info", format: "json", writer: (l) => lines.push(l) });
  try {
    let built = 0;
    const base = getLog({ host: "h1" });
    const child = base.child({ container: "web" }).child({ action: "start" });
    child.debug("below the level", {
      get costly() {
        built++;
        return 1;
      },
    });
    assert.equal(lines.length, 0, "nothing written below the level");
    assert.equal(built, 0, "fields below the level are never read");
    child.info("written", { n: 2 });
    const rec = JSON.parse(lines[0]!);
    assert.equal(rec.message, "written");
    assert.deepEqual(
      [rec.host, rec.container, rec.action, rec.n, rec.level],
      ["h1", "web", "start", 2, "info"],
    );
    base.warn("parent unchanged");
    assert.equal(JSON.parse(lines[1]!).container, undefined);
  } finally {
    setupLogging({ level: "fatal" });
  }
});

Deno.test("setupLogging() applies a new level to loggers created before it", () => {
  const lines: string[] = [];
  const log = getLog().child({ k: "v" });
  setupLogging({ level: "error", writer: (l) => lines.push(l) });
  log.warn("dropped");
  setupLogging({ level: "debug", writer: (l) => lines.push(l) });
  log.debug("kept");
  setupLogging({ level: "fatal" });
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /DEBUG kept k=v/);
});
