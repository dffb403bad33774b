import assert from "node:assert/strict";
import { CommandError } from "../errors.ts";
import { exec } from "./run.ts";

Deno.test("exec() captures stdout and stderr of an argv (no shell)", async () => {
  const r = await exec(["sh", "-c", 'echo "$1"; echo err >&2', "sh", "$(reboot); `id`"]);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, "$(reboot); `id`\n");
  assert.equal(r.stderr, "err\n");
});

Deno.test("exec() throws CommandError with the argv and a one-line stderr tail", async () => {
  const err = await exec(["sh", "-c", "echo line1 >&2; echo line2 >&2; exit 3"]).catch((e) => e);
  assert.ok(err instanceof CommandError);
  assert.equal(err.code, 3);
  assert.equal(err.reason, "exit");
  assert.equal(
    err.message,
    "Command `sh -c 'echo line1 >&2; echo line2 >&2; exit 3'` exited with code 3: line1 | line2",
  );
});

Deno.test("exec() accepts listed okCodes", async () => {
  const r = await exec(["sh", "-c", "exit 2"], { okCodes: [0, 2] });
  assert.equal(r.code, 2);
});

Deno.test("exec() reports a missing program clearly", async () => {
  const err = await exec(["no-such-program-xyz"]).catch((e) => e);
  assert.ok(err instanceof CommandError);
  assert.equal(err.reason, "not-found");
  assert.match(err.message, /program "no-such-program-xyz" not found on PATH/);
});

Deno.test("exec() kills a program that exceeds its timeout", async () => {
  const err = await exec(["sleep", "30"], { timeoutMs: 100 }).catch((e) => e);
  assert.ok(err instanceof CommandError);
  assert.equal(err.reason, "timeout");
  assert.match(err.message, /timed out after 100 ms/);
});

Deno.test("exec() aborts on signal", async () => {
  const ac = new AbortController();
  const p = exec(["sleep", "30"], { signal: ac.signal });
  setTimeout(() => ac.abort(), 50);
  const err = await p.catch((e) => e);
  assert.equal(err.reason, "aborted");
});

Deno.test("exec() writes stdin, passes env and streams lines", async () => {
  const lines: string[] = [];
  const r = await exec(["sh", "-c", 'cat; echo "$FOO"'], {
    stdin: "a\nb\n",
    env: { FOO: "bar" },
    onLine: (s, l) => lines.push(`${s}:${l}`),
  });
  assert.equal(r.stdout, "a\nb\nbar\n");
  assert.deepEqual(lines, ["stdout:a", "stdout:b", "stdout:bar"]);
});

Deno.test("exec() returns soon after exit even when a grandchild keeps the pipes open", async () => {
  const r = await exec(["sh", "-c", "sleep 20 & echo started"]);
  assert.equal(r.stdout, "started\n");
  // The bound is PIPE_GRACE_MS (1 s) plus scheduling; a stall would take the full 20 s.
  assert.ok(r.durationMs < 10_000, `took ${r.durationMs} ms`);
});
