/**
 * `reactor check`: load and validate every config file — rules, handlers, built-in hook settings
 * and the `docker:` hosts — and print the table (exit 0), or throw a ConfigError with one line
 * per problem (exit 2).
 *
 * @module
 */
import { Command } from "commander";
import {
  type ConfigFlags,
  configOption,
  insecureConfigOption,
  loadConfigFromFlags,
} from "../config/flags.ts";
import { configTable } from "../config/table.ts";
import { type EnvSource, type GlobalFlags, resolveGlobals } from "./globals.ts";
import { validateHosts } from "./config_hosts.ts";

/** Options for {@link runCheck}. */
export interface CheckOptions {
  env?: string;
  cwd?: string;
  isRoot?: boolean;
  etcDir?: string;
  /** `-H` (feeds the `default` host). */
  host?: string;
  /** Environment for host resolution (`DOCKER_HOST`, `REACTOR_DOCKER_HOSTS_*`, …). */
  hostEnv?: EnvSource;
}

/** Validate and describe the config; throws ConfigError listing every problem. */
export async function runCheck(flags: ConfigFlags, opts: CheckOptions = {}): Promise<string> {
  const cfg = await loadConfigFromFlags(flags, opts);
  return configTable(cfg, await validateHosts(cfg, opts));
}

/** The `check` command. */
export function checkCommand(): Command<[], { config: string[]; insecureConfig?: true }> {
  return new Command("check")
    .description("validate the config files and list their hosts, rules, handlers and hooks")
    .addOption(configOption())
    .addOption(insecureConfigOption())
    .action(async (opts, cmd) => {
      const globals = cmd.optsWithGlobals() as GlobalFlags;
      resolveGlobals(globals);
      const text = await runCheck(opts, { host: globals.host });
      await Deno.stdout.write(new TextEncoder().encode(text));
    });
}
