/**
 * The CLI as a subprocess: flags, exit codes, log formats, `events`, and SIGTERM draining.
 */
import assert from "node:assert/strict";
import { startDockerd, waitFor } from "./harness/dockerd.ts";
import { startDeno } from "./harness/process.ts";
import { readRecords } from "./harness/recorder.ts";

const d = await startDockerd();

async function reactor(args: string[], env: Record<string, string> = {}) {
  const p = startDeno("main.ts", args, env);
  const code = await p.wait();
  return { code, out: p.output() };
}

Deno.test("bad flags get a one-line error and exit 2", async () => {
  const r = await reactor(["run", "--no-such-flag"]);
  assert.equal(r.code, 2);
  assert.equal(r.out.trim(), "error: unknown option '--no-such-flag'\nSee 'reactor run --help'.");
  const lvl = await reactor(["--log-level", "loud", "once"]);
  assert.equal(lvl.code, 2);
  assert.equal(
    lvl.out.trim(),
    "reactor: Invalid --log-level \"loud\": use trace, debug, info, warn, error or fatal\nSee 'reactor once --help'.",
  );
  const fmt = await reactor(["--log-format", "xml", "events"]);
  assert.equal(fmt.code, 2);
  assert.match(
    fmt.out,
    /^reactor: Invalid --log-format "xml": use text or json\nSee 'reactor events --help'\.\n$/,
  );
  const conc = await reactor(["-H", d.host, "once", "--concurrency", "0"]);
  assert.equal(conc.code, 2);
  assert.match(conc.out, /Invalid --concurrency "0": use a whole number >= 1/);
  const host = await reactor(["-H", "ftp://nowhere", "once"]);
  assert.equal(host.code, 2);
  assert.match(host.out, /unsupported scheme "ftp:"/);
  const cmd = await reactor(["frobnicate"]);
  assert.equal(cmd.code, 2);
});

Deno.test("version prints the version and exits 0", async () => {
  const r = await reactor(["version"]);
  assert.equal(r.code, 0);
  const deno = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  assert.match(r.out, new RegExp(`^reactor ${deno.version.replaceAll(".", "\\.")} \\(deno `));
});

Deno.test("events --json tails normalized events with exact timeNano", async () => {
  const p = startDeno("main.ts", ["-H", d.host, "events", "--json"]);
  try {
    await p.waitForOutput(/Connected to/);
    await d.runContainer("ev1", { labels: { tier: "web" } });
    await p.waitForOutput(/"action":"start"/);
  } finally {
    p.kill("SIGTERM");
  }
  assert.equal(await p.wait(), 0);
  const lines = p.output().split("\n").filter((l) => l.startsWith("{"));
  const start = lines.map((l) => JSON.parse(l)).find((e) => e.action === "start");
  assert.equal(start.host, "default");
  assert.equal(start.type, "container");
  assert.equal(start.name, "ev1");
  assert.equal(start.attributes.tier, "web");
  assert.match(start.timeNano, /^\d{19}$/);
  await d.docker("rm", "-f", "ev1");
});

Deno.test("--log-format json writes one JSON object per line with structured fields", async () => {
  const state = await Deno.makeTempDir();
  const p = startDeno("main.ts", [
    "--log-format",
    "json",
    "--state-dir",
    state,
    "-H",
    d.host,
    "run",
  ]);
  try {
    await p.waitForOutput(/Connected to/);
  } finally {
    p.kill("SIGINT");
  }
  assert.equal(await p.wait(), 0);
  const lines = p.output().trim().split("\n");
  for (const l of lines) {
    const o = JSON.parse(l);
    assert.ok(o.time && o.level && o.message, l);
  }
  const connected = lines.map((l) => JSON.parse(l)).find((o) => o.message.startsWith("Connected"));
  assert.equal(connected.host, "default");
  assert.equal(connected.level, "info");
  await Deno.remove(state, { recursive: true });
});

Deno.test("SIGTERM drains in-flight handlers, saves the cursor and exits 0", async () => {
  const state = await Deno.makeTempDir();
  const file = `${state}/records.jsonl`;
  const p = startDeno("tests/harness/recorder_main.ts", [], {
    DOCKER_HOST: d.host,
    REACTOR_STATE_DIR: state,
    RECORD_FILE: file,
    RECORD_DELAY_MS: "1500",
    RECORD_LOG_LEVEL: "debug",
  });
  try {
    await p.waitForOutput(/Connected to/);
    await d.runContainer("drain1");
    await waitFor(() => /action=create/.test(p.output()) || /Resync/.test(p.output()));
    p.kill("SIGTERM");
    assert.equal(await p.wait(), 0, p.output());
    assert.match(p.output(), /Draining \d+ in-flight task/);
    const recs = await readRecords(file);
    assert.ok(recs.some((r) => r.name === "drain1" && r.action === "start"), p.output());
    const saved = JSON.parse(await Deno.readTextFile(`${state}/hosts/default.json`));
    assert.match(saved.since, /^\d{19}$/);
  } finally {
    p.kill("SIGKILL");
    await d.docker("rm", "-f", "drain1").catch(() => {});
    await Deno.remove(state, { recursive: true });
  }
});

Deno.test("teardown: stop the private dockerd", async () => {
  await d.close();
});
