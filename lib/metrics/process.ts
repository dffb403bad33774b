/**
 * Process metrics from `/proc/self` (Linux): resident and virtual memory, CPU seconds, open and
 * maximum file descriptors, start time. Read synchronously at scrape time (a few small files).
 * CPU and start times are in clock ticks; Linux fixes the user-visible tick (USER_HZ) at 100.
 *
 * @module
 */

/** What {@link readProcessStats} reports; a field is undefined when its source is unreadable. */
export interface ProcessStats {
  residentBytes?: number;
  virtualBytes?: number;
  cpuUserSeconds?: number;
  cpuSystemSeconds?: number;
  openFds?: number;
  maxFds?: number;
  /** Seconds since the epoch. */
  startTimeSeconds?: number;
}

/** Linux USER_HZ (fixed at 100 for the user ABI). */
export const CLOCK_TICKS_PER_SECOND = 100;

/** Fields of `/proc/<pid>/stat` used here (times in ticks). */
export interface ProcStat {
  utimeTicks: number;
  stimeTicks: number;
  /** Start time in ticks after boot. */
  startTicks: number;
  virtualBytes: number;
}

/**
 * Parse `/proc/<pid>/stat`. The command name (field 2) is in parentheses and may itself contain
 * spaces and parentheses, so fields are counted after the last `)`.
 *
 * @example
 * ```ts
 * import { parseProcStat } from "./process.ts";
 * const line = "42 (a) b) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 1234 " +
 *   "5000000 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
 * parseProcStat(line)?.utimeTicks; // 250
 * ```
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(")");
  if (close < 0) return undefined;
  // After ")": index 0 is field 3 (state); field n is at index n - 3.
  const f = text.slice(close + 1).trim().split(/\s+/);
  const n = (field: number) => Number(f[field - 3]);
  const out = { utimeTicks: n(14), stimeTicks: n(15), startTicks: n(22), virtualBytes: n(23) };
  return Object.values(out).every(Number.isFinite) ? out : undefined;
}

/**
 * Read a `Key:   123 kB` line of `/proc/<pid>/status` as bytes.
 *
 * @example
 * ```ts
 * import { statusBytes } from "./process.ts";
 * statusBytes("Name:\tdeno\nVmRSS:\t  2048 kB\n", "VmRSS"); // 2097152
 * ```
 */
export function statusBytes(text: string, key: string): number | undefined {
  const m = new RegExp(`^${key}:\\s+(\\d+)\\s*kB$`, "m").exec(text);
  return m ? Number(m[1]) * 1024 : undefined;
}

/**
 * The soft "Max open files" limit from `/proc/<pid>/limits` (undefined when unlimited).
 *
 * @example
 * ```ts
 * import { maxOpenFiles } from "./process.ts";
 * maxOpenFiles("Max open files            1024                 4096                 files\n"); // 1024
 * ```
 */
export function maxOpenFiles(text: string): number | undefined {
  const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(text);
  return m && m[1] !== "unlimited" ? Number(m[1]) : undefined;
}

/**
 * Boot time (`btime`) from `/proc/stat`, seconds since the epoch.
 *
 * @example
 * ```ts
 * import { bootTime } from "./process.ts";
 * bootTime("cpu  1 2 3\nbtime 1700000000\n"); // 1700000000
 * ```
 */
export function bootTime(text: string): number | undefined {
  const m = /^btime\s+(\d+)$/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

function read(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
}

function countFds(dir: string): number | undefined {
  try {
    let n = 0;
    for (const _ of Deno.readDirSync(dir)) n++;
    return n;
  } catch {
    return undefined;
  }
}

let cachedBoot: number | undefined;

/**
 * Read this process's stats. `proc` is the `/proc` mount (tests may point elsewhere). Never
 * throws: on a system without `/proc` every field is undefined.
 *
 * @example
 * ```ts
 * import { readProcessStats } from "./process.ts";
 * const s = readProcessStats();
 * s.residentBytes; // e.g. 61440000
 * ```
 */
export function readProcessStats(proc = "/proc"): ProcessStats {
  const out: ProcessStats = {};
  const stat = parseProcStat(read(`${proc}/self/stat`) ?? "");
  if (stat) {
    out.cpuUserSeconds = stat.utimeTicks / CLOCK_TICKS_PER_SECOND;
    out.cpuSystemSeconds = stat.stimeTicks / CLOCK_TICKS_PER_SECOND;
    out.virtualBytes = stat.virtualBytes;
    const boot = proc === "/proc" ? (cachedBoot ??= bootTime(read("/proc/stat") ?? "")) : bootTime(
      read(`${proc}/stat`) ?? "",
    );
    if (boot !== undefined) out.startTimeSeconds = boot + stat.startTicks / CLOCK_TICKS_PER_SECOND;
  }
  out.residentBytes = statusBytes(read(`${proc}/self/status`) ?? "", "VmRSS");
  out.maxFds = maxOpenFiles(read(`${proc}/self/limits`) ?? "");
  out.openFds = countFds(`${proc}/self/fd`);
  return out;
}
