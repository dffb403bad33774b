/**
 * The single place where reactor starts LONG-RUNNING child processes (a managed dockerd, ssh
 * bridges). Short commands go through {@link ../exec/run.ts}. Always an argv array, never a shell.
 *
 * @module
 */
import { startProcess } from "./process.ts";

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
  if (argv.length === 0 || !argv[0]) throw new TypeError("spawnChild() needs a non-empty argv");
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
  const pumps: Promise<void>[] = [pumpLines(child.stderr, "stderr", onLine, drained.signal)];
  if (stdoutMode === "lines") {
    pumps.push(pumpLines(child.stdout, "stdout", onLine, drained.signal));
  }
  let exited = false;
  const status = (async () => {
    const st = await child.status;
    // A grandchild may keep the pipes open after the child exited: stop reading after 1 s.
    const grace = setTimeout(() => drained.abort(), 1000);
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

async function pumpLines(
  stream: ReadableStream<Uint8Array>,
  name: "stdout" | "stderr",
  onLine: (stream: "stdout" | "stderr", line: string) => void,
  stop: AbortSignal,
): Promise<void> {
  const decoder = new TextDecoder();
  let pending = "";
  const reader = stream.getReader();
  const onStop = () => reader.cancel().catch(() => {});
  stop.addEventListener("abort", onStop, { once: true });
  try {
    while (true) {
      const { value: chunk, done } = await reader.read();
      if (done) break;
      pending += decoder.decode(chunk, { stream: true });
      let i: number;
      while ((i = pending.indexOf("\n")) >= 0) {
        onLine(name, pending.slice(0, i).replace(/\r$/, ""));
        pending = pending.slice(i + 1);
      }
    }
  } catch {
    /* stream broken: the process is gone */
  } finally {
    stop.removeEventListener("abort", onStop);
  }
  pending += decoder.decode();
  if (pending) onLine(name, pending);
}
