/**
 * The config flags shared by `run`, `check` and `simulate`: `--config PATH` (repeatable) and
 * `--insecure-config`, plus the load they drive.
 *
 * @module
 */
import { resolveConfigPaths } from "./discover.ts";
import { loadConfig } from "./load.ts";
import type { LoadedConfig } from "./model.ts";

/** Parsed config flags. */
export interface ConfigFlags {
  /** `--config` values, in order. */
  config?: readonly string[];
  /** `--insecure-config`. */
  insecureConfig?: boolean;
}

/** Commander argument parser for a repeatable `--config`. */
export function collectConfig(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Resolve (flags, `$REACTOR_CONFIG`, defaults) and load. Throws ConfigError. */
export async function loadConfigFromFlags(
  flags: ConfigFlags,
  opts: { env?: string; cwd?: string; isRoot?: boolean; etcDir?: string } = {},
): Promise<LoadedConfig> {
  const paths = resolveConfigPaths({
    flags: flags.config,
    env: opts.env ?? Deno.env.get("REACTOR_CONFIG"),
    cwd: opts.cwd,
    etcDir: opts.etcDir,
  });
  return await loadConfig(paths, { insecure: flags.insecureConfig, isRoot: opts.isRoot });
}
