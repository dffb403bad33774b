/**
 * Which hooks a daemon runs. With no config file this is the embedded default
 * (label networking and per-container scripts).
 *
 * @module
 */
import type { Hook } from "../engine/hook.ts";
import { exec } from "../exec/run.ts";
import { UsageError } from "../errors.ts";
import { defaultHooks } from "../../hooks/default.ts";
import type { Globals } from "./globals.ts";

/** Flags that shape the embedded default. */
export interface HookFlags {
  scriptsDir?: string;
  labelPrefix?: string;
  hostRoutes?: string;
  insecureScripts?: boolean;
  /** Seconds (`--script-timeout`). */
  scriptTimeout?: string;
}

/** Build the hooks for `run`/`once`: the embedded default (labels, then scripts). */
export function buildHooks(g: Globals, flags: HookFlags): Promise<Hook[]> {
  if (flags.labelPrefix !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(flags.labelPrefix)) {
    throw new UsageError(
      `Invalid --label-prefix "${flags.labelPrefix}": use letters, digits, ".", "-", "_" or "/" (e.g. docker-events.)`,
    );
  }
  let scriptTimeoutMs: number | undefined;
  if (flags.scriptTimeout !== undefined) {
    const n = Number(flags.scriptTimeout);
    if (!Number.isFinite(n) || n <= 0) {
      throw new UsageError(
        `Invalid --script-timeout "${flags.scriptTimeout}": use a positive number of seconds`,
      );
    }
    scriptTimeoutMs = Math.round(n * 1000);
  }
  return Promise.resolve(defaultHooks({
    stateDir: g.stateDir,
    scriptsDir: flags.scriptsDir,
    labelPrefix: flags.labelPrefix,
    hostRoutes: flags.hostRoutes,
    insecureScripts: flags.insecureScripts,
    scriptTimeoutMs,
    exec,
  }));
}
