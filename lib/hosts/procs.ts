/**
 * Processes as `/proc` shows them, for the managed dockerd: alive (not a zombie), parent,
 * command line, pid files, and a bounded terminate.
 *
 * @module
 */
import { sleep } from "../util/sleep.ts";

/** SIGTERM the processes, SIGKILL what is left after `timeoutMs`, and wait for them to go. */
export async function terminate(pids: readonly number[], timeoutMs: number): Promise<void> {
  for (const p of pids) signalPid(p, "SIGTERM");
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && pids.some(isAlive)) await sleep(50);
  for (const p of pids) if (isAlive(p)) signalPid(p, "SIGKILL");
  const hard = Date.now() + 5000;
  while (Date.now() < hard && pids.some(isAlive)) await sleep(50);
}

function signalPid(pid: number, sig: Deno.Signal): void {
  try {
    Deno.kill(pid, sig);
  } catch { /* gone */ }
}

/** True when `/proc/<pid>` exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const st = Deno.readTextFileSync(`/proc/${pid}/status`);
    return !/^State:\s+Z/m.test(st);
  } catch {
    return false;
  }
}

/** The parent pid from `/proc/<pid>/status`. */
export function parentPid(pid: number): number | undefined {
  try {
    const m = /^PPid:\s+(\d+)/m.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The command line from `/proc/<pid>/cmdline`, words joined by spaces. */
export function cmdline(pid: number): string {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/cmdline`).replaceAll("\0", " ");
  } catch {
    return "";
  }
}

/** A pid file's pid, or undefined. */
export async function readPid(path: string): Promise<number | undefined> {
  try {
    const n = Number((await Deno.readTextFile(path)).trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** True when the path exists. */
export function exists(p: string): boolean {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
}

/** The directory part of a path. */
export function dirname(p: string): string {
  const i = p.lastIndexOf("/");
  return i > 0 ? p.slice(0, i) : "/";
}
