/**
 * The config flags shared by `run`, `check` and `simulate`: `--config PATH` (repeatable) and
 * `--insecure-config`, plus the load they drive.
 *
 * @module
 */
import { Option } from "commander";
import { resolveConfigPaths } from "./discover.ts";
import { loadConfig, type Loaded, type LoadOptions } from "./load.ts";

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

/** Where and how {@link loadConfigFromFlags} looks (tests inject these). */
export interface ConfigLoadContext extends Omit<LoadOptions, "insecure" | "flags"> {
  /** `$REACTOR_CONFIG` (default: the process's). */
  env?: string;
  cwd?: string;
  etcDir?: string;
}

/** Resolve (flags, `$REACTOR_CONFIG`, defaults) and load. Throws ConfigError. */
export async function loadConfigFromFlags(
  flags: ConfigFlags & Record<string, unknown>,
  opts: ConfigLoadContext = {},
): Promise<Loaded> {
  const { env, cwd, etcDir, ...load } = opts;
  const paths = resolveConfigPaths({
    flags: flags.config,
    env: env ?? Deno.env.get("REACTOR_CONFIG"),
    cwd,
    etcDir,
  });
  return await loadConfig(paths, { ...load, insecure: flags.insecureConfig, flags });
}
