/**
 * Bench child processes that speak JSON lines on stdout (the probe, the bare readers, the
 * limit programs): spawn, collect their lines, wait for one, send commands, read RSS, stop.
 *
 * @module
 */
import { ROOT, terminate } from "../tests/harness/process.ts";

/** A running child whose stdout is JSON lines. */
export interface JsonChild {
  readonly pid: number;
  /** Every line parsed so far, in order. */
  readonly lines: Record<string, unknown>[];
  /**
   * Wait until a line (from index `after` on) matches; resolves with it, rejects when the
   * child exits first or after `timeoutMs`.
   */
  next(
    pred: (l: Record<string, unknown>) => boolean,
    opts?: { after?: number; timeoutMs?: number },
  ): Promise<Record<string, unknown>>;
  /** Send one command line on stdin. */
  send(cmd: string): Promise<void>;
  /** `stats` (or `gc`, which also collects garbage first) and its answer. */
  stats(gc?: boolean): Promise<Record<string, unknown>>;
  /** Resident set now (MiB). */
  rss(): Promise<number>;
  /** Stderr so far (for failures). */
  stderr(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Resident set of a process (MiB; NaN when it is gone). */
export async function rssOf(pid: number): Promise<number> {
  const s = await Deno.readTextFile(`/proc/${pid}/status`).catch(() => "");
  return Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? NaN) / 1024;
}

/** Start `deno run -A [denoFlags] <script> ...args` from the repo root. */
export function startJsonChild(
  script: string,
  args: string[],
  opts: { denoFlags?: string[]; env?: Record<string, string> } = {},
): JsonChild {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...(opts.denoFlags ?? []), `${ROOT}/${script}`, ...args],
    cwd: ROOT,
    env: opts.env,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let exited = false;
  let err = "";
  const wake = () => waiters.forEach((w) => w());
  (async () => {
    const dec = new TextDecoder();
    let buf = "";
    for await (const chunk of child.stdout) {
      buf += dec.decode(chunk, { stream: true });
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (!line.startsWith("{")) continue;
        try {
          lines.push(JSON.parse(line));
        } catch { /* not ours */ }
      }
      wake();
    }
  })().catch(() => {});
  (async () => {
    const dec = new TextDecoder();
    for await (const c of child.stderr) err = (err + dec.decode(c)).slice(-20_000);
  })().catch(() => {});
  const status = child.status.then((s) => {
    exited = true;
    wake();
    return s;
  });
  const writer = child.stdin.getWriter();
  const enc = new TextEncoder();
  const next: JsonChild["next"] = (pred, { after = 0, timeoutMs = 120_000 } = {}) =>
    new Promise((resolve, reject) => {
      let from = after;
      const check = () => {
        for (; from < lines.length; from++) {
          if (pred(lines[from]!)) {
            done();
            resolve(lines[from]!);
            return;
          }
        }
        if (exited) {
          done();
          reject(new Error(`${script} exited before the expected line:\n${err.slice(-3000)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(`${script}: no expected line within ${timeoutMs} ms:\n${err.slice(-3000)}`),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  return {
    pid: child.pid,
    lines,
    next,
    send: async (cmd) => await writer.write(enc.encode(cmd + "\n")),
    async stats(gc = false) {
      const after = lines.length;
      await writer.write(enc.encode(gc ? "gc\n" : "stats\n"));
      return await next((l) => l.t === "stats", { after });
    },
    rss: () => rssOf(child.pid),
    stderr: () => err,
    async stop(graceMs = 10_000) {
      if (!exited) await terminate(child, status, graceMs);
      await writer.close().catch(() => {});
    },
  };
}

/**
 * Stats once memory settled: after a load, V8 keeps a grown young generation until its memory
 * reducer runs on an idle process (seconds later). Full GC every 2 s until the committed heap
 * stops shrinking (or `maxMs`); resident memory measured then is the process's own, not the
 * load's transient.
 */
export async function settledStats(c: JsonChild, maxMs = 45_000): Promise<Record<string, unknown>> {
  const until = Date.now() + maxMs;
  let s = await c.stats(true);
  for (;;) {
    await new Promise((r) => setTimeout(r, 2000));
    const next = await c.stats(true);
    const shrank = Number(s.heapTotal) - Number(next.heapTotal);
    s = next;
    if ((shrank < 0.5 && Number(s.heapTotal) < 2 * Number(s.heapUsed) + 4) || Date.now() > until) {
      return s;
    }
  }
}

/** Wall clock with sub-millisecond precision (ms). */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

/** A percentile of `xs` (nearest rank). */
export function pct(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

/** `timeNano` (exact string) as wall-clock ms. */
export function nanoMs(n: string): number {
  return Number(BigInt(n) / 1000n) / 1000;
}

/** Progress on stderr. */
export function progress(msg: string): void {
  // deno-lint-ignore no-console
  console.error(`bench: ${msg}`);
}
