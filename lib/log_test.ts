import assert from "node:assert/strict";
import { getLog, setupLogging } from "./log.ts";

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
