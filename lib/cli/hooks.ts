/**
 * Which hooks a daemon runs. With no config file this is the embedded default
 * (label networking and per-container scripts).
 *
 * @module
 */
import type { Hook } from "../engine/hook.ts";
import type { Globals } from "./globals.ts";

/** Flags that shape the embedded default. */
export interface HookFlags {
  scriptsDir?: string;
  labelPrefix?: string;
  hostRoutes?: string;
}

/** Build the hooks for `run`/`once`. */
export function buildHooks(_g: Globals, _flags: HookFlags): Promise<Hook[]> {
  return Promise.resolve([]);
}
