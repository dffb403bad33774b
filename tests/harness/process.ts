/**
 * Long-running child processes for tests (a reactor daemon under test), with their combined
 * output captured for assertions and debugging.
 *
 * @module
 */

/** A running child. */
export interface TestProcess {
  readonly pid: number;
  /** Output so far (stdout + stderr). */
  output(): string;
  kill(sig?: Deno.Signal): void;
  /** Wait for exit; returns the code. */
  wait(): Promise<number>;
  /** Wait until the output matches. */
  waitForOutput(re: RegExp, timeoutMs?: number): Promise<void>;
}

/** Repo root (absolute). */
export const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

/**
 * SIGTERM `child`, SIGKILL it after `graceMs`, and wait for `exited` (its status, with its
 * output drained).
 */
export async function terminate(
  child: Deno.ChildProcess,
  exited: Promise<unknown>,
  graceMs: number,
): Promise<void> {
  const send = (sig: Deno.Signal) => {
    try {
      child.kill(sig);
    } catch { /* gone */ }
  };
  send("SIGTERM");
  const t = setTimeout(() => send("SIGKILL"), graceMs);
  try {
    await exited;
  } finally {
    clearTimeout(t);
  }
}

/** Start `deno run -A <script> ...args` from the repo root. */
export function startDeno(
  script: string,
  args: string[],
  env: Record<string, string> = {},
): TestProcess {
  return startProcess([Deno.execPath(), "run", "-A", `${ROOT}/${script}`, ...args], env);
}

/** Start any argv. */
export function startProcess(argv: string[], env: Record<string, string> = {}): TestProcess {
  const child = new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    env,
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let out = "";
  const dec = new TextDecoder();
  const pump = async (s: ReadableStream<Uint8Array>) => {
    for await (const c of s) out += dec.decode(c, { stream: true });
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  let code: number | undefined;
  const status = child.status.then(async (s) => {
    await pumps;
    code = s.code;
    return s.code;
  });
  return {
    pid: child.pid,
    output: () => out,
    kill: (sig = "SIGTERM") => {
      try {
        child.kill(sig);
      } catch { /* gone */ }
    },
    wait: () => status,
    waitForOutput: async (re, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (re.test(out)) return;
        if (code !== undefined) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      if (re.test(out)) return;
      throw new Error(
        `Timed out waiting for ${re} in process output (exit ${code}):\n${out.slice(-3000)}`,
      );
    },
  };
}
