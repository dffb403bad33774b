/**
 * How every command loads the config: the files (`--config`, `$REACTOR_CONFIG`, discovery),
 * the built-in hooks of `hooks/mod.ts` with their flags, and the Docker hosts (with `-H`).
 *
 * @module
 */
import type { Command } from "commander";
import { BUILTIN_HOOKS } from "../../hooks/mod.ts";
import { type ConfigFlags, type ConfigLoadContext, loadConfigFromFlags } from "../config/flags.ts";
import type { Loaded } from "../config/load.ts";
import { durationFlag } from "./flag_values.ts";

/** Options every config-loading command shares, besides `--config`/`--insecure-config`. */
export interface CliConfigFlags extends ConfigFlags {
  /** `--config-timeout`: time limit for loading a TS config. */
  configTimeout?: string;
  [flag: string]: unknown;
}

/** Load the config as the CLI does (built-in hooks, their flags, `-H`). Throws ConfigError. */
export async function loadCliConfig(
  g: { host?: string },
  flags: CliConfigFlags,
  ctx: ConfigLoadContext = {},
): Promise<Loaded> {
  return await loadConfigFromFlags(flags, {
    registry: BUILTIN_HOOKS,
    tsTimeoutMs: durationFlag("--config-timeout", flags.configTimeout),
    ...ctx,
    hosts: { hostFlag: g.host, ...ctx.hosts },
  });
}

/** Add every built-in hook's flags (and `--config-timeout`) to a command. */
export function addHookFlags<C extends Command>(cmd: C): C {
  for (const hook of BUILTIN_HOOKS) {
    for (const f of hook.flags ?? []) {
      if (f.type === "list") {
        cmd.option(f.flags, f.description, (v: string, prev: string[] = []) => [...prev, v]);
      } else cmd.option(f.flags, f.description);
    }
  }
  cmd.option(
    "--config-timeout <duration>",
    "time limit for loading a reactor.config.ts (default 10s)",
  );
  return cmd;
}
