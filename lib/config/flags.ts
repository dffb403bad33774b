/**
 * The config flags shared by `run`, `check` and `simulate`: `--config PATH` (repeatable) and
 * `--insecure-config`, plus the load they drive.
 *
 * @module
 */
import { Option } from "commander";
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

/** `-c, --config <path>` (repeatable), shared by every command that loads the config. */
// The inferred commander Option type carries the option's name and value type to `.opts()`.
// deno-lint-ignore explicit-module-boundary-types
export function configOption() {
  return new Option(
    "-c, --config <path>",
    "config file, .yaml or .ts (repeatable; default: $REACTOR_CONFIG, ./reactor.config.ts, ./reactor.yaml, /etc/reactor/…)",
  ).argParser(collectConfig).default([] as string[]);
}

/** `--insecure-config`, shared by every command that loads the config. */
// deno-lint-ignore explicit-module-boundary-types
export function insecureConfigOption() {
  return new Option(
    "--insecure-config",
    "accept config files (and scripts) not owned by root or writable by others",
  );
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
