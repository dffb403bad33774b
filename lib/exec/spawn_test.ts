import assert from "node:assert/strict";
import { CommandError } from "../errors.ts";
import { spawnChild } from "./spawn.ts";

Deno.test("spawnChild() streams stdout and stderr lines and keeps a stderr tail", async () => {
  const lines: string[] = [];
  const c = spawnChild(["/bin/sh", "-c", "echo out1; echo err1 >&2; printf 'last'"], {
    onLine: (s, l) => lines.push(`${s}:${l}`),
  });
  const st = await c.status;
  assert.equal(st.code, 0);
  assert.ok(c.exited);
  assert.deepEqual(lines.sort(), ["stderr:err1", "stdout:last", "stdout:out1"]);
  assert.deepEqual(c.stderrTail(), ["err1"]);
  assert.equal(c.kill(), false, "kill() after exit reports false");
});

Deno.test("spawnChild() stop() escalates to SIGKILL when SIGTERM is ignored", async () => {
  const lines: string[] = [];
  const c = spawnChild(["/bin/sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.1; done"], {
    onLine: (_s, l) => lines.push(l),
  });
  while (!lines.includes("ready")) await new Promise((r) => setTimeout(r, 20));
  assert.equal(await c.stop(300), "killed");
  assert.equal((await c.status).signal, "SIGKILL");
});

Deno.test("spawnChild() status resolves even when a grandchild keeps the pipes open", async () => {
  const lines: string[] = [];
  const c = spawnChild(["/bin/sh", "-c", "sleep 30 & echo $!"], {
    onLine: (_s, l) => lines.push(l),
  });
  const st = await c.status;
  assert.equal(st.code, 0);
  // Clean up the grandchild this test created, by its pid.
  const pid = Number(lines[0]);
  assert.ok(pid > 0);
  Deno.kill(pid, "SIGKILL");
});

Deno.test("spawnChild() pipes stdin and stdout for bridges", async () => {
  const c = spawnChild(["cat"], { stdin: "piped", stdout: "piped" });
  const w = c.stdin!.getWriter();
  await w.write(new TextEncoder().encode("ping\n"));
  await w.close();
  const out = await new Response(c.stdout!).text();
  assert.equal(out, "ping\n");
  assert.equal((await c.status).code, 0);
});

Deno.test("spawnChild() throws CommandError for a missing program", () => {
  assert.throws(
    () => spawnChild(["/no/such/program"]),
    (e: unknown) => e instanceof CommandError && e.reason === "not-found",
  );
});
