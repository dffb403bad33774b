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
