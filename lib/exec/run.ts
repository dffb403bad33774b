/**
 * The single place where reactor spawns processes. Always an argv array, never a shell.
 *
 * @module
 */
import { CommandError } from "../errors.ts";
import type { Run, RunOptions, RunResult } from "../reactor.d.ts";
import { PIPE_GRACE_MS, readOutput, startProcess } from "./process.ts";

// The options, result and signature are the public ones (`ctx.exec` in a reactor.config.ts).
export type { Run, RunOptions, RunResult };

const KILL_GRACE_MS = 2000;

/**
 * Run `argv[0]` with `argv.slice(1)` as arguments. Resolves when the process exits with an
 * allowed code; otherwise rejects with a {@link CommandError} naming the argv and stderr tail.
 *
 * @example
 * ```ts ignore
 * const r = await exec(["ip", "-j", "route"], { timeoutMs: 5000 });
 * ```
 */
export async function exec(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const started = performance.now();
  const child = startProcess(argv, {
    env: opts.env,
    clearEnv: opts.clearEnv,
    cwd: opts.cwd,
    uid: opts.uid,
    gid: opts.gid,
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  });

  let killedFor: "timeout" | "aborted" | undefined;
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const kill = (why: "timeout" | "aborted") => {
    if (killedFor) return;
    killedFor = why;
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    killTimer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    }, KILL_GRACE_MS);
  };
  const timer = opts.timeoutMs !== undefined && opts.timeoutMs > 0
    ? setTimeout(() => kill("timeout"), opts.timeoutMs)
    : undefined;
  const onAbort = () => kill("aborted");
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener("abort", onAbort, { once: true });

  const max = opts.maxCapture ?? 1 << 20;
  const writeStdin = async () => {
    if (opts.stdin === undefined) return;
    const w = child.stdin.getWriter();
    try {
      await w.write(
        typeof opts.stdin === "string" ? new TextEncoder().encode(opts.stdin) : opts.stdin,
      );
      await w.close();
    } catch {
      // the program did not read its stdin: not our failure
    }
  };
  try {
    // Once the program exited, read its output for at most PIPE_GRACE_MS more.
    const outputs = new AbortController();
    const status = child.status.then((st) => {
      setTimeout(() => outputs.abort(), PIPE_GRACE_MS);
      return st;
    });
    const read = { onLine: opts.onLine, stop: outputs.signal, maxCapture: max };
    const [stdout, stderr] = await Promise.all([
      readOutput(child.stdout, "stdout", read),
      readOutput(child.stderr, "stderr", read),
      status,
      writeStdin(),
    ]);
    outputs.abort();
    const st = await status;
    const durationMs = performance.now() - started;
    if (killedFor) {
      throw new CommandError({
        argv,
        code: st.code,
        stderr,
        stdout,
        reason: killedFor,
        detail: killedFor === "timeout" ? `${opts.timeoutMs} ms` : undefined,
      });
    }
    const ok = opts.okCodes ?? [0];
    if (!ok.includes(st.code)) {
      throw new CommandError({ argv, code: st.code, stderr, stdout, reason: "exit" });
    }
    return { argv, code: st.code, stdout, stderr, durationMs };
  } finally {
    clearTimeout(timer);
    clearTimeout(killTimer);
    opts.signal?.removeEventListener("abort", onAbort);
  }
}
