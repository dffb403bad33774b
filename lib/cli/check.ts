/**
 * `reactor check`: load and validate every config file; print the table of built-in hooks, rules
 * and handlers (exit 0) or throw a ConfigError with one line per problem (exit 2).
 *
 * @module
 */
import { Command } from "commander";
import { collectConfig, type ConfigFlags, loadConfigFromFlags } from "../config/flags.ts";
import { configTable } from "../config/table.ts";

/** Validate and describe the config; throws ConfigError. */
export async function runCheck(
  flags: ConfigFlags,
  opts: { env?: string; cwd?: string; isRoot?: boolean; etcDir?: string } = {},
): Promise<string> {
  return configTable(await loadConfigFromFlags(flags, opts));
}

/** The `check` command. */
export function checkCommand(): Command<[], { config: string[]; insecureConfig?: true }> {
  return new Command("check")
    .description("validate the config files and list their rules, handlers and hooks")
    .option(
      "-c, --config <path>",
      "config file (repeatable; default: discovery)",
      collectConfig,
      [] as string[],
    )
    .option("--insecure-config", "accept config files not owned by root or writable by others")
    .action(async (opts) => {
      const text = await runCheck(opts);
      await Deno.stdout.write(new TextEncoder().encode(text));
    });
}
