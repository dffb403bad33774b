/**
 * The one call site of `Deno.Command` in reactor. Both ways of running programs build on it:
 * `run.ts` (`exec`: run to completion, capture output) and `spawn.ts` (`spawnChild`: long-running
 * children such as a managed dockerd or ssh bridges). Always an argv array, never a shell.
 *
 * @module
 */
import { CommandError } from "../errors.ts";

/** Low-level spawn options. */
export interface ProcessOptions {
  env?: Record<string, string>;
  clearEnv?: boolean;
  cwd?: string;
  uid?: number;
  gid?: number;
  stdin: "piped" | "null";
  stdout: "piped" | "null";
  stderr: "piped" | "null";
}

/** Start `argv[0]` with `argv.slice(1)`; maps start failures to {@link CommandError}. */
export function startProcess(argv: readonly string[], opts: ProcessOptions): Deno.ChildProcess {
  if (argv.length === 0 || !argv[0]) throw new TypeError("startProcess() needs a non-empty argv");
  try {
    return new Deno.Command(argv[0], {
      args: argv.slice(1) as string[],
      env: opts.env,
      clearEnv: opts.clearEnv,
      cwd: opts.cwd,
      uid: opts.uid,
      gid: opts.gid,
      stdin: opts.stdin,
      stdout: opts.stdout,
      stderr: opts.stderr,
    }).spawn();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new CommandError({ argv, code: null, stderr: "", reason: "not-found" });
    }
    throw new CommandError({
      argv,
      code: null,
      stderr: "",
      reason: "spawn",
      detail: err instanceof Error ? err.message : String(err),
    });
  }
}

/**
 * How long output is still read after the program exited. A grandchild that inherited
 * stdout/stderr can keep the pipes open; after this grace reading stops.
 */
export const PIPE_GRACE_MS = 1000;

/** Options for {@link readOutput}. */
export interface ReadOutputOptions {
  /** Called once per complete line (and for a final unterminated one). */
  onLine?: (stream: "stdout" | "stderr", line: string) => void;
  /** Stop reading when this aborts (see {@link PIPE_GRACE_MS}). */
  stop: AbortSignal;
  /** Characters to capture and return (default 0: capture nothing). */
  maxCapture?: number;
  /** Strip a trailing `\r` from each line passed to `onLine`. */
  trimCR?: boolean;
}

/** Read one output stream to its end (or until `stop`), splitting lines; returns the capture. */
export async function readOutput(
  stream: ReadableStream<Uint8Array>,
  name: "stdout" | "stderr",
  opts: ReadOutputOptions,
): Promise<string> {
  const max = opts.maxCapture ?? 0;
  const decoder = new TextDecoder();
  let captured = "";
  let pending = "";
  const take = (text: string) => {
    if (captured.length < max) captured += text.slice(0, max - captured.length);
    if (!opts.onLine) return;
    pending += text;
    let i: number;
    while ((i = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, i);
      opts.onLine(name, opts.trimCR ? line.replace(/\r$/, "") : line);
      pending = pending.slice(i + 1);
    }
  };
  const reader = stream.getReader();
  const onStop = () => reader.cancel().catch(() => {});
  opts.stop.addEventListener("abort", onStop, { once: true });
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      take(decoder.decode(value, { stream: true }));
    }
  } catch {
    /* stream broken: the process is gone */
  } finally {
    opts.stop.removeEventListener("abort", onStop);
    reader.releaseLock();
  }
  take(decoder.decode());
  if (opts.onLine && pending) opts.onLine(name, pending);
  return captured;
}
