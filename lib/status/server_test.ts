import assert from "node:assert/strict";
import type { Log } from "../log.ts";
import { fetchStatus } from "./client.ts";
import type { DaemonStatus } from "./model.ts";
import { serveStatus, statusHandler, statusSocketPath } from "./server.ts";
import { acquireStateLock } from "../daemon/state_lock.ts";

const noop = () => {};
const log: Log = { debug: noop, info: noop, warn: noop, error: noop, child: () => log };

const STATUS: DaemonStatus = {
  version: "1.2.3",
  pid: 42,
  startedAt: "2026-01-01T00:00:00.000Z",
  stateDir: "/s",
  queueDepth: 0,
  config: { files: [], loadedAt: "2026-01-01T00:00:00.000Z", reloads: 0 },
  hosts: [{ id: "default", endpoint: "unix:///x", state: "up", queue: 0, failures: {} }],
  engineFailures: {},
};

Deno.test("statusHandler() answers GET /status with JSON, 404/405 otherwise, 500 on failure", async () => {
  const h = statusHandler(() => STATUS);
  const ok = h(new Request("http://reactor/status"));
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get("content-type"), "application/json");
  assert.deepEqual(await ok.json(), STATUS);
  assert.equal(h(new Request("http://reactor/metrics")).status, 404);
  assert.equal(h(new Request("http://reactor/status", { method: "POST" })).status, 405);
  const bad = statusHandler(() => {
    throw new Error("boom");
  })(new Request("http://reactor/status"));
  assert.equal(bad.status, 500);
  assert.deepEqual(await bad.json(), { error: "boom" });
});

Deno.test("serveStatus() serves on a 0600 unix socket that fetchStatus() reads; exit 3 once gone", async () => {
  const dir = await Deno.makeTempDir();
  const lock = await acquireStateLock(dir);
  try {
    // a socket left by a killed daemon is replaced
    await Deno.writeTextFile(statusSocketPath(dir), "stale");
    const server = await serveStatus({
      path: statusSocketPath(dir),
      handler: statusHandler(() => STATUS),
      log,
    });
    const st = await Deno.stat(server.path);
    assert.ok(st.isSocket);
    assert.equal(st.mode! & 0o777, 0o600);
    assert.deepEqual(await fetchStatus(dir), STATUS);
    await server.close();
    await assert.rejects(Deno.stat(server.path), Deno.errors.NotFound);
    const held = await fetchStatus(dir).catch((e) => e);
    assert.equal(held.exitCode, 1, "the lock is held but nobody answers");
    assert.match(
      held.message,
      new RegExp(`\\(PID ${Deno.pid}\\) holds ${dir} but serves no status socket`),
    );
    lock.release();
    const gone = await fetchStatus(dir).catch((e) => e);
    assert.equal(gone.exitCode, 3);
    assert.match(gone.message, /^Not running: no reactor daemon holds .*reactor\.lock — start it/);
  } finally {
    lock.release();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serveStatus() refuses a socket path longer than Linux allows", async () => {
  const err = await serveStatus({
    path: `/tmp/${"x".repeat(120)}/reactor.sock`,
    handler: statusHandler(() => STATUS),
    log,
  }).catch((e) => e);
  assert.match(err.message, /longer than 107 bytes — use a shorter --state-dir/);
});
