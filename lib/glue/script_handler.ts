/**
 * Glue's `ScriptHandler`: run the handler's script as `[script, <ini path>, <action>,
 * <container id>]` — through `exec()`, never a shell (Glue used `os.system`). For the `none`
 * pseudo-event the container id is `""`.
 *
 * The script also gets `REACTOR_PARAM_<NAME>` for every `[params]` key (upper-cased, other
 * characters as `_`), the `REACTOR_*` variables of `start.<name>` scripts, and the event JSON on
 * stdin. Timeout (timeout(1), whole process group), output lines to the log and the root-only
 * ownership check are those of `hooks/scripts.ts`.
 *
 * @module
 */
import { basename, dirname } from "node:path";
import {
  assertSafeScript,
  scriptArgv,
  scriptEnv,
  scriptSafetyProblem as safetyProblem,
  throwIfTimedOut,
  TIMEOUT_EXIT,
} from "../../hooks/scripts.ts";
import { eventToJson } from "../docker/normalize.ts";
import type { ContainerInfo, ReactorEvent } from "../reactor.d.ts";
import { ReactorError } from "../errors.ts";
import type { Run } from "../exec/run.ts";
import type { Log } from "../log.ts";
import type { GlueHandlerSpec } from "./handlers.ts";

/** Default per-script timeout (as for `start.<name>` scripts). */
export const DEFAULT_GLUE_TIMEOUT_MS = 60_000;

/**
 * The environment variable for a `[params]` key (pure).
 *
 * @example
 * ```ts
 * import { paramEnvName } from "./script_handler.ts";
 * paramEnvName("demo-option"); // "REACTOR_PARAM_DEMO_OPTION"
 * ```
 */
export function paramEnvName(key: string): string {
  return `REACTOR_PARAM_${key.toUpperCase().replace(/[^A-Z0-9_]/g, "_")}`;
}

/**
 * `REACTOR_PARAM_*` for `params` (pure). When two keys map to one name the first (in file order)
 * wins and the pair is listed in `collisions`.
 */
export function paramEnv(params: Readonly<Record<string, string>>): {
  env: Record<string, string>;
  collisions: { name: string; kept: string; dropped: string }[];
} {
  const env: Record<string, string> = {};
  const from = new Map<string, string>();
  const collisions: { name: string; kept: string; dropped: string }[] = [];
  for (const [key, value] of Object.entries(params)) {
    const name = paramEnvName(key);
    const kept = from.get(name);
    if (kept !== undefined) {
      collisions.push({ name, kept, dropped: key });
      continue;
    }
    from.set(name, key);
    env[name] = value;
  }
  return { env, collisions };
}

/** The argv of one run: timeout(1) wrapper, script, INI path, action, container id (pure). */
export function glueScriptArgv(
  spec: Pick<GlueHandlerSpec, "file" | "script">,
  event: ReactorEvent,
  timeoutMs: number = DEFAULT_GLUE_TIMEOUT_MS,
): string[] {
  if (!spec.script) {
    throw new ReactorError(
      `Cannot run glue handler ${spec.file}: its script was not found — check \`reactor check\``,
    );
  }
  return [...scriptArgv(spec.script, timeoutMs), spec.file, event.action, event.actor.id];
}

/** The environment of one run: `REACTOR_*` as for `start.<name>` scripts, plus params (pure). */
export function glueScriptEnv(
  spec: Pick<GlueHandlerSpec, "params">,
  event: ReactorEvent,
  container?: ContainerInfo,
): Record<string, string> {
  const name = container?.name ?? event.actor.attributes["name"] ?? "";
  return {
    ...paramEnv(spec.params).env,
    ...scriptEnv({ event, container, host: { id: event.hostId } }, name),
  };
}

/**
 * Why running `script` as root is unsafe (it or its directory can be changed by someone other
 * than root), as a `Refusing to run … — fix` line; undefined when safe, when not root, or with
 * `insecure`. The rule and wording of `start.<name>` scripts (`hooks/scripts.ts`).
 */
export function scriptSafetyProblem(
  script: string,
  opts: { uid?: number; insecure?: boolean; override?: string } = {},
): Promise<string | undefined> {
  return safetyProblem(script, opts);
}

/** Options for {@link runGlueScript}. */
export interface GlueScriptOptions {
  /** The container event, or the `none` pseudo-event from `noneEvent()`. */
  event: ReactorEvent;
  /** Inspected container when known (fills `REACTOR_CONTAINER_PID`/`_IP`). */
  container?: ContainerInfo;
  /** The spawn point (`exec` from lib/exec/run.ts, or a test double). */
  exec: Run;
  log: Log;
  signal?: AbortSignal;
  /** Per-run timeout (default 60 s); the script's whole process group is killed. */
  timeoutMs?: number;
  /** `--insecure-scripts`: skip the root ownership check. */
  insecure?: boolean;
  /** The uid reactor runs as (default `Deno.uid()`); injectable for tests. */
  uid?: number;
  /** The flag named in the fix of an unsafe-script refusal (default `--insecure-scripts`). */
  override?: string;
}

/**
 * Run a `ScriptHandler` for one event. Resolves when the script exits 0; rejects with
 * `CommandError` on a non-zero exit or timeout, and with `UnsafeScriptError` when the
 * script or its directory is writable by others (as root).
 *
 * @example
 * ```ts ignore
 * await runGlueScript(spec, { event, exec, log });
 * ```
 */
export async function runGlueScript(spec: GlueHandlerSpec, opts: GlueScriptOptions): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_GLUE_TIMEOUT_MS;
  const argv = glueScriptArgv(spec, opts.event, timeoutMs);
  const script = spec.script!;
  await assertSafeScript(script, opts);
  const log = opts.log.child({ glue: basename(spec.file), script, action: opts.event.action });
  log.info("Running glue script");
  const r = await opts.exec(argv, {
    env: glueScriptEnv(spec, opts.event, opts.container),
    stdin: eventToJson(opts.event) + "\n",
    timeoutMs: timeoutMs + 4_000,
    signal: opts.signal,
    cwd: dirname(script),
    okCodes: [0, TIMEOUT_EXIT],
    onLine: (stream, line) =>
      stream === "stdout" ? log.info(line, { stream }) : log.warn(line, { stream }),
  });
  throwIfTimedOut(script, r, timeoutMs);
  log.info("Glue script finished", { code: r.code, ms: Math.round(r.durationMs) });
}
