/**
 * One daemon per state directory: `reactor run` holds an exclusive `flock(2)` on
 * `<state-dir>/reactor.lock` for its whole life. The kernel drops the lock when the process
 * ends, however it ends (a SIGKILL never leaves a stale lock), so there is no pid file to clean
 * up. The holder's PID is read from `/proc/locks` (and, as a fallback, from the file, where the
 * holder writes it).
 *
 * `once`, `check`, `simulate`, `events` and `hosts` never take the lock; `once` only looks at it
 * ({@link lockHolder}) and refuses to run beside a daemon.
 *
 * @module
 */
import { ReactorError } from "../errors.ts";

/** The lock file's name inside the state directory. */
export const LOCK_FILE = "reactor.lock";

/** Another process holds the state directory. Exits 1. */
export class StateLockedError extends ReactorError {
  /** The holder's PID, when it could be found. */
  readonly pid: number | undefined;
  constructor(message: string, pid: number | undefined) {
    super(message, { exitCode: 1 });
    this.name = "StateLockedError";
    this.pid = pid;
  }
}

/** A held lock. */
export interface StateLock {
  readonly path: string;
  /** Drop the lock (closing the file releases the flock). Idempotent. */
  release(): void;
}

/** The lock file of a state directory. */
export function lockPath(stateDir: string): string {
  return `${stateDir.replace(/\/+$/, "")}/${LOCK_FILE}`;
}

/**
 * Take the exclusive lock of `stateDir` (created 0700 when missing) without waiting. Throws
 * {@link StateLockedError} naming the holder's PID when another process has it.
 */
export async function acquireStateLock(stateDir: string): Promise<StateLock> {
  await Deno.mkdir(stateDir, { recursive: true, mode: 0o700 });
  const path = lockPath(stateDir);
  const file = await Deno.open(path, { read: true, write: true, create: true, mode: 0o600 });
  let ok = false;
  try {
    if (!file.tryLockSync(true)) {
      const pid = await holderPid(path);
      throw new StateLockedError(
        `Cannot start: another reactor ${
          pid ? `(PID ${pid}) ` : ""
        }is running with state directory ${stateDir} — stop it first (e.g. systemctl stop reactor), or give this one its own --state-dir`,
        pid,
      );
    }
    // for people and for systems without /proc/locks
    await file.truncate(0);
    await file.write(new TextEncoder().encode(`${Deno.pid}\n`));
    ok = true;
  } finally {
    if (!ok) file.close();
  }
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      try {
        file.close();
      } catch { /* already closed */ }
    },
  };
}

/**
 * Who holds the lock of `stateDir`, without taking it: `{ pid }` when a process holds it (pid
 * undefined when it cannot be told), undefined when nobody does (or there is no lock file).
 */
export async function lockHolder(stateDir: string): Promise<{ pid?: number } | undefined> {
  const path = lockPath(stateDir);
  let st: Deno.FileInfo;
  try {
    st = await Deno.stat(path);
  } catch {
    return undefined;
  }
  const locks = await Deno.readTextFile("/proc/locks").catch(() => undefined);
  if (locks !== undefined) {
    const pid = flockHolder(locks, st);
    return pid === undefined ? undefined : { pid };
  }
  // no /proc/locks: probe with a shared lock, released at once
  const file = await Deno.open(path, { read: true });
  try {
    if (file.tryLockSync(false)) return undefined;
    return { pid: await filePid(path) };
  } finally {
    file.close();
  }
}

async function holderPid(path: string): Promise<number | undefined> {
  try {
    const st = await Deno.stat(path);
    const pid = flockHolder(await Deno.readTextFile("/proc/locks"), st);
    if (pid !== undefined) return pid;
  } catch { /* no /proc/locks */ }
  return await filePid(path);
}

async function filePid(path: string): Promise<number | undefined> {
  const text = await Deno.readTextFile(path).catch(() => "");
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * The PID holding a FLOCK on the file `st` describes, from the text of `/proc/locks`
 * (`23: FLOCK  ADVISORY  WRITE 13065 fe:00:2147267 0 EOF`; waiters, marked `->`, are skipped).
 */
export function flockHolder(
  procLocks: string,
  st: Pick<Deno.FileInfo, "dev" | "ino">,
): number | undefined {
  if (st.ino === null) return undefined;
  const dev = BigInt(st.dev);
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  const id = `${major.toString(16).padStart(2, "0")}:${
    minor.toString(16).padStart(2, "0")
  }:${st.ino}`;
  for (const line of procLocks.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f[1] !== "FLOCK" || f[5] !== id) continue;
    const pid = Number(f[4]);
    if (Number.isInteger(pid) && pid > 0) return pid;
  }
  return undefined;
}
