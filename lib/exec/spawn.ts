/**
 * The single place where reactor starts LONG-RUNNING child processes (a managed dockerd, ssh
 * bridges). Short commands go through {@link ../exec/run.ts}. Always an argv array, never a shell.
 *
 * @module
 */
import { PIPE_GRACE_MS, readOutput, startProcess } from "./process.ts";

/** Options for {@link spawnChild}. */
export interface SpawnOptions {
  /** Extra environment variables (merged over the inherited environment unless `clearEnv`). */
  env?: Record<string, string>;
  /** Start from an empty environment (plus `env`). */
  clearEnv?: boolean;
  cwd?: string;
  /** `piped` gives a writable stdin; default `null` (/dev/null). */
  stdin?: "piped" | "null";
  /**
   * `piped` gives the raw stdout stream (for bridges); `lines` sends each line to `onLine`;
   * `null` discards it. Default `lines`.
   */
  stdout?: "piped" | "lines" | "null";
  /** Called once per complete stderr line (and stdout line with `stdout: "lines"`). */
  onLine?: (stream: "stdout" | "stderr", line: string) => void;
  uid?: number;
  gid?: number;
}

/** A running child. */
export interface SpawnedChild {
  readonly argv: readonly string[];
  readonly pid: number;
  /** Present with `stdin: "piped"`. */
  readonly stdin: WritableStream<Uint8Array> | null;
  /** Present with `stdout: "piped"`. */
  readonly stdout: ReadableStream<Uint8Array> | null;
  /** Resolves when the process exited and its output was drained. */
  readonly status: Promise<{ code: number; signal: string | null }>;
  /** True once `status` resolved. */
  readonly exited: boolean;
  /** The last stderr lines (up to 20), for error messages. */
  stderrTail(): string[];
  /** Send a signal; false when the process is already gone. */
  kill(signal?: Deno.Signal): boolean;
  /**
   * SIGTERM, wait up to `timeoutMs`, then SIGKILL. Resolves with how it ended.
   */
  stop(timeoutMs: number): Promise<"exited" | "terminated" | "killed">;
}

/**
 * Start `argv[0]` with `argv.slice(1)`. Throws `CommandError` when it cannot be started.
 *
 * @example
 * ```ts ignore
 * const c = spawnChild(["dockerd", "--data-root", "/x"], { onLine: (s, l) => log.info(l) });
 * await c.stop(10_000);
 * ```
 */
export function spawnChild(argv: readonly string[], opts: SpawnOptions = {}): SpawnedChild {
  const stdoutMode = opts.stdout ?? "lines";
  const child = startProcess(argv, {
    env: opts.env,
    clearEnv: opts.clearEnv,
    cwd: opts.cwd,
    uid: opts.uid,
    gid: opts.gid,
    stdin: opts.stdin ?? "null",
    stdout: stdoutMode === "null" ? "null" : "piped",
    stderr: "piped",
  });
  const tail: string[] = [];
  const onLine = (stream: "stdout" | "stderr", line: string) => {
    if (stream === "stderr") {
      tail.push(line);
      if (tail.length > 20) tail.shift();
    }
    try {
      opts.onLine?.(stream, line);
    } catch { /* a logging callback must not kill the pump */ }
  };
  const drained = new AbortController();
  const read = { onLine, stop: drained.signal, trimCR: true };
  const pumps: Promise<string>[] = [readOutput(child.stderr, "stderr", read)];
  if (stdoutMode === "lines") pumps.push(readOutput(child.stdout, "stdout", read));
  let exited = false;
  const status = (async () => {
    const st = await child.status;
    // A grandchild may keep the pipes open after the child exited: stop reading after a grace.
    const grace = setTimeout(() => drained.abort(), PIPE_GRACE_MS);
    await Promise.allSettled(pumps);
    clearTimeout(grace);
    exited = true;
    return { code: st.code, signal: st.signal ?? null };
  })();
  const kill = (signal: Deno.Signal = "SIGTERM") => {
    if (exited) return false;
    try {
      child.kill(signal);
      return true;
    } catch {
      return false;
    }
  };
  return {
    argv,
    pid: child.pid,
    stdin: opts.stdin === "piped" ? child.stdin : null,
    stdout: stdoutMode === "piped" ? child.stdout : null,
    status,
    get exited() {
      return exited;
    },
    stderrTail: () => [...tail],
    kill,
    stop: async (timeoutMs) => {
      if (exited) return "exited";
      kill("SIGTERM");
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = await Promise.race([
        status.then(() => false),
        new Promise<boolean>((r) => timer = setTimeout(() => r(true), timeoutMs)),
      ]);
      clearTimeout(timer);
      if (!timedOut) return "terminated";
      kill("SIGKILL");
      await status;
      return "killed";
    },
  };
}
