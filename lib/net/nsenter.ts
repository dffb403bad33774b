/**
 * Entering a container's network namespace with `nsenter`.
 *
 * - Rootful local engine: `nsenter --net=<SandboxKey>` when the sandbox bind mount exists (immune
 *   to pid reuse), else `nsenter -n -t <pid>`.
 * - Rootless engine: always by pid (the SandboxKey only exists inside RootlessKit's mount
 *   namespace). Root enters with plain `-n -t <pid>` (joining the user namespace too would turn
 *   root into an unmapped `nobody` and `ip` would fail with EPERM); only a reactor running as the
 *   daemon's own user needs `-U --preserve-credentials`.
 *
 * @module
 */
import { CommandError, ReactorError } from "../errors.ts";
import type { ContainerInfo } from "../reactor.d.ts";
import type { Run, RunResult } from "../exec/run.ts";

/** Where to enter: a process' namespaces, or a netns bind-mount path. */
export type NetnsRef = { pid: number } | { path: string };

/** How reactor relates to the engine. */
export interface NsenterMode {
  /** The engine is rootless. */
  rootless?: boolean;
  /**
   * reactor runs as the rootless daemon's own (non-root) user, so it must join the user
   * namespace as well. Default: `Deno.uid() !== 0` when `rootless`.
   */
  asDaemonUser?: boolean;
}

/** The container has no network namespace any more (pid 0, or its /proc entry vanished). */
export class NetnsGoneError extends ReactorError {
  constructor(message: string) {
    super(message);
    this.name = "NetnsGoneError";
  }
}

/**
 * Build the argv that runs `argv` inside `target`'s network namespace (pure).
 *
 * @example
 * ```ts
 * import { nsenterArgs } from "./nsenter.ts";
 * nsenterArgs({ pid: 42 }, ["ip", "-j", "route"]);
 * // ["nsenter", "-n", "-t", "42", "--", "ip", "-j", "route"]
 * ```
 */
export function nsenterArgs(
  target: NetnsRef,
  argv: readonly string[],
  opts: NsenterMode = {},
): string[] {
  if (argv.length === 0) throw new TypeError("nsenterArgs() needs a command");
  if ("path" in target) {
    if (opts.rootless) {
      throw new TypeError("A rootless container's netns must be entered by pid, not by path");
    }
    return ["nsenter", `--net=${target.path}`, "--", ...argv];
  }
  if (!Number.isInteger(target.pid) || target.pid <= 0) {
    throw new NetnsGoneError(`Cannot enter netns of pid ${target.pid}: not a running process`);
  }
  const pid = String(target.pid);
  if (opts.rootless && (opts.asDaemonUser ?? isNonRoot())) {
    return ["nsenter", "-U", "--preserve-credentials", "-n", "-t", pid, "--", ...argv];
  }
  return ["nsenter", "-n", "-t", pid, "--", ...argv];
}

function isNonRoot(): boolean {
  try {
    return Deno.uid() !== 0;
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Choose how to enter a container's netns. Throws {@link NetnsGoneError} when the container is
 * not running, has pid 0, or its `/proc/<pid>` entry is gone (it exited meanwhile).
 */
export async function containerNetns(
  c: Pick<ContainerInfo, "name" | "pid" | "running" | "sandboxKey">,
  opts: { rootless?: boolean } = {},
): Promise<NetnsRef> {
  if (!c.running || c.pid <= 0) {
    throw new NetnsGoneError(`Container "${c.name}" is not running (pid ${c.pid}): no netns`);
  }
  if (!opts.rootless && c.sandboxKey && await exists(c.sandboxKey)) return { path: c.sandboxKey };
  if (!await exists(`/proc/${c.pid}/ns/net`)) {
    throw new NetnsGoneError(`Container "${c.name}" exited: /proc/${c.pid} is gone`);
  }
  return { pid: c.pid };
}

/** Options for {@link nsenter}. */
export interface NsenterRunOptions extends NsenterMode {
  exec: Run;
  timeoutMs?: number;
  signal?: AbortSignal;
  okCodes?: readonly number[];
}

/**
 * Run `argv` inside a container's (or pid's / path's) network namespace. A failure caused by the
 * process having exited meanwhile becomes a {@link NetnsGoneError}.
 */
export async function nsenter(
  target: Pick<ContainerInfo, "name" | "pid" | "running" | "sandboxKey"> | NetnsRef,
  argv: readonly string[],
  opts: NsenterRunOptions,
): Promise<RunResult> {
  const t: NetnsRef = "name" in target
    ? await containerNetns(target, { rootless: opts.rootless })
    : target;
  const full = nsenterArgs(t, argv, opts);
  try {
    return await opts.exec(full, {
      timeoutMs: opts.timeoutMs ?? 10_000,
      signal: opts.signal,
      okCodes: opts.okCodes,
    });
  } catch (err) {
    if (err instanceof CommandError && err.reason === "exit") {
      if ("pid" in t && !await exists(`/proc/${t.pid}/ns/net`)) {
        throw new NetnsGoneError(`Process ${t.pid} exited while entering its netns`);
      }
      if ("path" in t && !await exists(t.path)) {
        throw new NetnsGoneError(`Netns ${t.path} vanished (the container exited)`);
      }
    }
    throw err;
  }
}
