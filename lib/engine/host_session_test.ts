import assert from "node:assert/strict";
import { DockerConnectError } from "../errors.ts";
import type { Log, LogFields } from "../log.ts";
import { RetryLog } from "./host_session.ts";
import { Reactor } from "./reactor.ts";

interface Line {
  level: string;
  message: string;
  fields: LogFields;
}

function memoryLog(lines: Line[], bound: LogFields = {}): Log {
  const at = (level: string) => (message: string, fields?: LogFields) =>
    void lines.push({ level, message, fields: { ...bound, ...fields } });
  return {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: (f) => memoryLog(lines, { ...bound, ...f }),
  };
}

Deno.test("RetryLog is due at once, then again only after the interval or a new reason", () => {
  let now = 0;
  const r = new RetryLog(15_000, () => now);
  assert.equal(r.due("refused"), true);
  now = 5_000;
  assert.equal(r.due("refused"), false);
  assert.equal(r.due("no such file"), true, "a new reason warns at once");
  now = 21_000;
  assert.equal(r.due("no such file"), true);
  r.reset();
  assert.equal(r.due("no such file"), true, "after a successful connect");
});

Deno.test("an unreachable engine logs a warning per retry with the next delay, rate-limited", async () => {
  const lines: Line[] = [];
  const reactor = new Reactor({
    hosts: [{
      id: "default",
      local: true,
      describe: "unix:///nonexistent.sock",
      connect: () =>
        Promise.reject(
          new DockerConnectError("unix:///nonexistent.sock", "No such file or directory"),
        ),
      close: () => Promise.resolve(),
    }],
    hooks: [],
    stateDir: "/nonexistent",
    log: memoryLog(lines),
    persist: false,
    backoff: { baseMs: 2, capMs: 4, minMs: 1 },
  });
  const stop = new AbortController();
  let retries = 0;
  reactor.observer.subscribe((o) => {
    if (o.kind === "reconnect" && ++retries === 6) stop.abort();
  });
  await reactor.run(stop.signal);
  const about = lines.filter((l) => l.message.startsWith("Host unavailable"));
  assert.ok(about.length >= 6, JSON.stringify(lines));
  const warnings = about.filter((l) => l.level === "warn");
  assert.equal(warnings.length, 1, "identical warnings within 15 s are rate-limited");
  assert.match(
    warnings[0]!.message,
    /^Host unavailable: Cannot connect to Docker at unix:\/\/\/nonexistent\.sock: No such file or directory; retrying in \d+ms$/,
  );
  assert.equal(warnings[0]!.fields["host"], "default");
  assert.ok(about.slice(1).every((l) => l.level === "debug"));
  assert.equal(lines.filter((l) => l.level === "error").length, 0);
});
