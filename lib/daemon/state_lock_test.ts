import assert from "node:assert/strict";
import { exec } from "../exec/run.ts";
import {
  acquireStateLock,
  flockHolder,
  lockHolder,
  lockPath,
  StateLockedError,
} from "./state_lock.ts";

Deno.test("flockHolder() finds the FLOCK holder of an inode in /proc/locks text", () => {
  const text = [
    "1: POSIX  ADVISORY  READ 13065 fe:00:16041799 128 128",
    "2: FLOCK  ADVISORY  WRITE 4444 fe:00:2147985 0 EOF",
    "2: -> FLOCK  ADVISORY  WRITE 5555 fe:00:2147267 0 EOF",
    "3: FLOCK  ADVISORY  WRITE 13065 fe:00:2147267 0 EOF",
  ].join("\n");
  // dev 0xfe00 = major 0xfe, minor 0
  assert.equal(flockHolder(text, { dev: 0xfe00, ino: 2147267 }), 13065);
  assert.equal(flockHolder(text, { dev: 0xfe00, ino: 16041799 }), undefined, "POSIX locks");
  assert.equal(flockHolder(text, { dev: 0x801, ino: 2147267 }), undefined, "other device");
});

Deno.test("acquireStateLock() is an exclusive flock(2) that names its holder", async () => {
  const dir = `${await Deno.makeTempDir()}/state`;
  try {
    const lock = await acquireStateLock(dir);
    assert.equal((await Deno.stat(dir)).mode! & 0o777, 0o700);
    assert.equal((await Deno.stat(lockPath(dir))).mode! & 0o777, 0o600);
    assert.equal((await Deno.readTextFile(lockPath(dir))).trim(), String(Deno.pid));
    // a real flock: util-linux flock(1) cannot take it either
    const other = await exec(["flock", "--nonblock", lockPath(dir), "true"], { okCodes: [0, 1] });
    assert.equal(other.code, 1);
    assert.deepEqual(await lockHolder(dir), { pid: Deno.pid });
    const err = await acquireStateLock(dir).catch((e) => e);
    assert.ok(err instanceof StateLockedError);
    assert.equal(err.exitCode, 1);
    assert.equal(err.pid, Deno.pid);
    assert.equal(
      err.message,
      `Cannot start: another reactor (PID ${Deno.pid}) is running with state directory ${dir} — stop it first (e.g. systemctl stop reactor), or give this one its own --state-dir`,
    );
    lock.release();
    assert.equal(await lockHolder(dir), undefined);
    (await acquireStateLock(dir)).release();
  } finally {
    await Deno.remove(dir.replace(/\/state$/, ""), { recursive: true });
  }
});

Deno.test("the kernel drops the lock when its holder is SIGKILLed (no stale lock)", async () => {
  const dir = await Deno.makeTempDir();
  const mod = new URL("./state_lock.ts", import.meta.url).href;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `const { acquireStateLock } = await import(${JSON.stringify(mod)});
       await acquireStateLock(${JSON.stringify(dir)});
       console.log("locked");
       setInterval(() => {}, 1000);`,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    const reader = child.stdout.getReader();
    const { value } = await reader.read();
    assert.match(new TextDecoder().decode(value), /locked/);
    assert.deepEqual(await lockHolder(dir), { pid: child.pid });
    const err = await acquireStateLock(dir).catch((e) => e);
    assert.ok(err instanceof StateLockedError);
    assert.equal(err.pid, child.pid);
    child.kill("SIGKILL");
    await child.status;
    reader.releaseLock();
    await child.stdout.cancel();
    assert.equal(await lockHolder(dir), undefined);
    (await acquireStateLock(dir)).release();
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
    await Deno.remove(dir, { recursive: true });
  }
});
