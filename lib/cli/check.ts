/**
 * `reactor check`: load and validate every config file — rules, handlers, built-in hook settings
 * and the `docker:` hosts — and print the table (exit 0), or throw a ConfigError with one line
 * per problem (exit 2).
 *
 * @module
 */
import { Command } from "commander";
import { type ConfigLoadContext, configOption, insecureConfigOption } from "../config/flags.ts";
import { configTable } from "../config/table.ts";
import { type GlobalFlags, resolveGlobals } from "./globals.ts";
import { addHookFlags, type CliConfigFlags, loadCliConfig } from "./config.ts";

/** Options for {@link runCheck} (test seams for discovery and host resolution). */
export interface CheckOptions extends ConfigLoadContext {
  /** `-H` (feeds the `default` host). */
  host?: string;
}

/** Validate and describe the config; throws ConfigError listing every problem. */
export async function runCheck(flags: CliConfigFlags, opts: CheckOptions = {}): Promise<string> {
  const { host, ...ctx } = opts;
  const cfg = await loadCliConfig({ host }, flags, ctx);
  try {
    return configTable(cfg, cfg.hosts);
  } finally {
    cfg.close();
  }
}

/** The `check` command. */
export function checkCommand(): Command {
  const cmd = new Command("check")
    .description("validate the config files and list their hosts, rules, handlers and hooks")
    .addOption(configOption())
    .addOption(insecureConfigOption());
  addHookFlags(cmd).action(async (opts: CliConfigFlags, c: Command) => {
    const globals = c.optsWithGlobals() as GlobalFlags;
    resolveGlobals(globals);
    const text = await runCheck(opts, { host: globals.host });
    await Deno.stdout.write(new TextEncoder().encode(text));
  });
  return cmd;
}
