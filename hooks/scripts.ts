/**
 * Per-container user scripts of the embedded default: on any container event, run
 * `<scriptsDir>/<action>.<container-name>` when it exists and is executable.
 *
 * Contract: no arguments; environment `REACTOR_ACTION`, `REACTOR_HOST`, `REACTOR_CONTAINER_ID`,
 * `REACTOR_CONTAINER_NAME`, `REACTOR_CONTAINER_PID`, `REACTOR_CONTAINER_IP` (plus PATH/HOME…
 * inherited); stdin is the event as Engine-shaped JSON; a timeout (default 60 s); every
 * stdout/stderr line goes to the log with the container name. Running as root, reactor refuses a
 * scripts directory or script that is not owned by root or is writable by group/others (unless
 * `insecure`), because whoever can write there gets root.
 *
 * @module
 */
import { dirname } from "node:path";
import type { HandlerContext, Hook, PlanContext, PlannedStep } from "../lib/engine/hook.ts";
import { humanDuration } from "../lib/log.ts";
import type { ContainerInfo, ReactorEvent } from "../lib/reactor.d.ts";
import { eventToJson } from "../lib/docker/normalize.ts";
import { CommandError, ReactorError } from "../lib/errors.ts";
import { type BuiltinHook, describeSettings } from "../lib/config/builtin.ts";
import { checkOwnership } from "../lib/config/security.ts";

/** Default scripts directory. */
export const DEFAULT_SCRIPTS_DIR = "/etc/reactor/scripts";

/** Options for {@link scriptsHook}. */
export interface ScriptsHookOptions {
  /** Directory holding `<action>.<name>` scripts (default `/etc/reactor/scripts`). */
  scriptsDir?: string;
  /** Per-script timeout in milliseconds (default 60 000). */
  timeoutMs?: number;
  /** Skip the ownership/permission check (not recommended when running as root). */
  insecure?: boolean;
  /** The uid reactor runs as (default `Deno.uid()`); injectable for tests. */
  uid?: number;
}

/** The scripts directory or a script is unsafe to execute as root. */
export class UnsafeScriptError extends ReactorError {
  constructor(message: string) {
    super(message);
    this.name = "UnsafeScriptError";
  }
}

/** Container names Docker accepts (no `/`, no leading dot): anything else is never a file name. */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** Actions usable in a file name. */
const ACTION_RE = /^[a-z_]+$/;

/**
 * The script path for an event, or undefined when the name/action cannot form a safe file name.
 */
export function scriptPath(dir: string, action: string, name: string): string | undefined {
  if (!NAME_RE.test(name) || !ACTION_RE.test(action)) return undefined;
  return `${dir.replace(/\/+$/, "")}/${action}.${name}`;
}

/** What {@link scriptEnv} reads: a {@link HandlerContext} fits, and so does a plain object. */
export interface ScriptEnvInput {
  readonly event: ReactorEvent;
  readonly container?: ContainerInfo | undefined;
  readonly host: { readonly id: string };
}

/** The environment a script gets (pure). */
export function scriptEnv(ctx: ScriptEnvInput, name: string): Record<string, string> {
  const c = ctx.container;
  return {
    REACTOR_ACTION: ctx.event.action,
    REACTOR_HOST: ctx.host.id,
    REACTOR_CONTAINER_ID: ctx.event.actor.id,
    REACTOR_CONTAINER_NAME: name,
    REACTOR_CONTAINER_PID: String(c?.pid ?? 0),
    REACTOR_CONTAINER_IP: c?.primaryIp ?? "",
  };
}

/**
 * Refuse a path that non-root users could have written (as root): owned by root and not writable
 * by group/others. Returns a problem description or undefined.
 */
export function unsafeReason(
  path: string,
  st: Pick<Deno.FileInfo, "uid" | "mode">,
): string | undefined {
  if (st.uid !== 0) return `${path} is owned by uid ${st.uid}, not root`;
  if (st.mode !== null && (st.mode & 0o022) !== 0) {
    return `${path} is writable by group or others (mode ${(st.mode & 0o7777).toString(8)})`;
  }
  return undefined;
}

/** Options of {@link scriptSafetyProblem} and {@link assertSafeScript}. */
export interface ScriptSafetyOptions {
  /** Skip the check (`--insecure-scripts`, `--insecure-config`). */
  insecure?: boolean;
  /** The uid reactor runs as (default `Deno.uid()`); the check applies to root only. */
  uid?: number;
  /** The flag that skips the check, named in the fix (default `--insecure-scripts`). */
  override?: string;
}

/**
 * Why running `path` as root is unsafe (the script or its directory can be changed by someone
 * other than root), as one `Refusing to run … — fix` line; undefined when safe, when reactor is
 * not root, or with `insecure`.
 */
export async function scriptSafetyProblem(
  path: string,
  opts: ScriptSafetyOptions = {},
): Promise<string | undefined> {
  if (opts.insecure || (opts.uid ?? Deno.uid()) !== 0) return undefined;
  for (const p of [dirname(path), path]) {
    const why = unsafeReason(p, await Deno.stat(p));
    if (why) {
      return `Refusing to run ${path} as root: ${why} — run \`chown root:root ${p} && chmod go-w ${p}\`, or pass ${
        opts.override ?? "--insecure-scripts"
      }`;
    }
  }
  return undefined;
}

/** Throw {@link UnsafeScriptError} when {@link scriptSafetyProblem} finds a problem. */
export async function assertSafeScript(
  path: string,
  opts: ScriptSafetyOptions = {},
): Promise<void> {
  const problem = await scriptSafetyProblem(path, opts);
  if (problem) throw new UnsafeScriptError(problem);
}

/** Exit code of timeout(1) when the time limit hit. */
export const TIMEOUT_EXIT = 124;

/** Throw a timeout {@link CommandError} when timeout(1) ended `script` (exit 124). */
export function throwIfTimedOut(
  script: string,
  r: { code: number; stderr: string },
  timeoutMs: number,
): void {
  if (r.code !== TIMEOUT_EXIT) return;
  throw new CommandError({
    argv: [script],
    code: r.code,
    stderr: r.stderr,
    reason: "timeout",
    detail: `${timeoutMs} ms`,
  });
}

/** The argv that runs a script under timeout(1) (pure). */
export function scriptArgv(path: string, timeoutMs: number): string[] {
  const secs = Math.max(0.001, timeoutMs / 1000).toFixed(3);
  return ["timeout", "--kill-after=2", `${secs}s`, path];
}

/** Build the scripts hook. */
export function scriptsHook(opts: ScriptsHookOptions = {}): Hook {
  const dir = opts.scriptsDir ?? DEFAULT_SCRIPTS_DIR;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const uid = opts.uid ?? Deno.uid();

  return {
    name: "scripts",
    // the script has its own timeout; give the engine a little more so ours fires first
    timeoutMs: timeoutMs + 8_000,
    wants(ev: ReactorEvent): boolean {
      // a cheap stat here saves the engine an inspect for every event without a script
      if (ev.type !== "container") return false;
      const path = scriptPath(dir, ev.action, ev.actor.attributes["name"] ?? "");
      if (!path) return false;
      try {
        return Deno.statSync(path).isFile;
      } catch {
        return false;
      }
    },
    async plan(ctx: PlanContext): Promise<PlannedStep[]> {
      const name = ctx.container?.name ?? ctx.event.actor.attributes["name"] ?? "";
      const path = scriptPath(dir, ctx.event.action, name);
      const st = path ? await Deno.stat(path).catch(() => undefined) : undefined;
      if (!path || !st?.isFile) return [];
      if (st.mode === null || (st.mode & 0o111) === 0) {
        return [{ note: `${path} is not executable: it would be skipped` }];
      }
      const steps: PlannedStep[] = [{
        argv: [path],
        env: scriptEnv(ctx, name),
        cwd: dir,
        note: `stdin: the event as JSON; killed after ${humanDuration(timeoutMs)}`,
      }];
      const unsafe = await scriptSafetyProblem(path, { insecure: opts.insecure, uid: uid ?? -1 });
      if (unsafe) steps.push({ warning: unsafe });
      if (!ctx.container?.primaryIp) {
        steps.push({ warning: "REACTOR_CONTAINER_IP is empty (no container details, or no IPv4)" });
      }
      return steps;
    },
    async handle(ctx: HandlerContext): Promise<void> {
      const name = ctx.container?.name ?? ctx.event.actor.attributes["name"] ?? "";
      const path = scriptPath(dir, ctx.event.action, name);
      if (!path) return;
      let st: Deno.FileInfo;
      try {
        st = await Deno.stat(path);
      } catch {
        return; // no script for this action/container
      }
      if (!st.isFile || st.mode === null || (st.mode & 0o111) === 0) {
        ctx.log.debug(`Script ${path} is not an executable file; skipped`, { container: name });
        return;
      }
      // the script is <dir>/<action>.<name>: its directory is the scripts dir
      await assertSafeScript(path, { insecure: opts.insecure, uid: uid ?? -1 });
      const log = ctx.log.child({ container: name, script: path });
      log.info("Running script");
      // timeout(1) runs the script in its own process group and signals the whole group, so
      // background children holding stdout open cannot outlive the timeout (exec() alone only
      // kills its direct child). exec()'s own timeout stays as a backstop.
      let r;
      try {
        r = await ctx.exec(scriptArgv(path, timeoutMs), {
          env: scriptEnv(ctx, name),
          stdin: eventToJson(ctx.event) + "\n",
          timeoutMs: timeoutMs + 4_000,
          signal: ctx.signal,
          cwd: dir,
          okCodes: [0, TIMEOUT_EXIT],
          onLine: (stream, line) =>
            stream === "stdout" ? log.info(line, { stream }) : log.warn(line, { stream }),
        });
      } catch (err) {
        // report the script, not the timeout(1) wrapper it runs under
        if (!(err instanceof CommandError)) throw err;
        throw new CommandError({
          argv: [path],
          code: err.code,
          stderr: err.stderr,
          stdout: err.stdout,
          reason: err.reason,
          detail: err.reason === "timeout" ? `${timeoutMs} ms` : undefined,
        });
      }
      throwIfTimedOut(path, r, timeoutMs);
      log.info("Script finished", { code: r.code, durationMs: Math.round(r.durationMs) });
    },
  };
}

/** Validated settings of the scripts hook (only the keys given; defaults apply in `create`). */
export interface ScriptsSettings {
  dir?: string;
  timeoutMs?: number;
  /** `--insecure-scripts`: run scripts others can write. */
  insecure?: boolean;
}

/** The built-in hook descriptor (`hooks: { scripts: … }`). */
export const scripts: BuiltinHook<ScriptsSettings> = {
  name: "scripts",
  defaultOn: true,
  flags: [
    {
      flags: "--scripts-dir <dir>",
      description: "per-container scripts (default /etc/reactor/scripts)",
      setting: "dir",
    },
    {
      flags: "--script-timeout <duration>",
      description: "per-container script time limit (default 60; 30, 2m, 1m30s)",
      setting: "timeout",
    },
    {
      flags: "--insecure-scripts",
      description: "run scripts even if non-root users can write them",
      setting: "insecure",
      type: "boolean",
    },
  ],
  async settings(f, ctx) {
    f.only(["dir", "timeout", "insecure"], "hooks.scripts");
    const before = f.problems.count;
    const out: ScriptsSettings = {};
    const dir = f.string("dir", {
      pattern: /^\//,
      hint: "use an absolute path, e.g. /etc/reactor/scripts",
    });
    if (dir !== undefined) out.dir = dir;
    const timeoutMs = f.duration("timeout", { positive: true });
    if (timeoutMs !== undefined) out.timeoutMs = timeoutMs;
    if (f.bool("insecure")) out.insecure = true;
    if (f.problems.count > before) return undefined;
    // Refuse an unsafe directory now (config or flag alike), not when a script is about to run.
    const refusal = await checkOwnership(out.dir ?? DEFAULT_SCRIPTS_DIR, "scripts dir", {
      isRoot: ctx.isRoot,
      insecure: ctx.insecure || out.insecure,
    });
    if (refusal) {
      f.problems.plain(refusal);
      return undefined;
    }
    return out;
  },
  describe: (s) => describeSettings(s),
  create: (s, deps) => [
    scriptsHook({
      scriptsDir: s.dir ?? DEFAULT_SCRIPTS_DIR,
      timeoutMs: s.timeoutMs,
      insecure: s.insecure || deps.insecure,
    }),
  ],
};
