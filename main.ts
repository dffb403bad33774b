/**
 * reactor: a Docker event reactor. Entry point: parses argv, dispatches to `lib/cli/*`, maps
 * errors to exit codes. The only module that exits the process.
 *
 * @module
 */
import { Command, CommanderError } from "commander";
import { checkCommand } from "./lib/cli/check.ts";
import { eventsCommand } from "./lib/cli/events.ts";
import { initCommand } from "./lib/cli/init.ts";
import { simulateCommand } from "./lib/cli/simulate.ts";
import { exitStatus } from "./lib/cli/exit.ts";
import { hostsCommand } from "./lib/cli/hosts.ts";
import { statusCommand } from "./lib/cli/status.ts";
import { installCommand, uninstallCommand } from "./lib/cli/install.ts";
import { onceCommand, runCommand } from "./lib/cli/run.ts";
import { pluginCommand } from "./lib/cli/plugin.ts";
import { ConfigError, errorMessage, ReactorError, UsageError } from "./lib/errors.ts";
import { completionCommand } from "./lib/cli/completion.ts";
import { VERSION } from "./lib/version.ts";

/** `reactor 1.2.3 (deno 2.9.6, v8 …)` */
function versionLine(): string {
  return `reactor ${VERSION} (deno ${Deno.version.deno}, v8 ${Deno.version.v8})`;
}

/** Build the CLI program (exported for tests). */
export function buildProgram(status = exitStatus()): Command {
  const program = new Command()
    .name("reactor")
    .description("React to Docker events: label networking, scripts, rules and typed handlers")
    .option("--log-level <level>", "trace|debug|info|warn|error|fatal (default info)")
    .option("--log-format <format>", "text|json (default text)")
    .option("--state-dir <dir>", "cursor and state directory (default /var/lib/reactor as root)")
    .option("-H, --host <url>", "Docker host: unix:///path, tcp://h:p, https://h:p, ssh://u@h")
    .option("-v, --verbose", "show stack traces and causes on errors")
    .version(versionLine(), "-V, --version", "print the version")
    .showSuggestionAfterError(true)
    .showHelpAfterError("See 'reactor --help'.")
    .exitOverride();
  program.addCommand(runCommand(status));
  program.addCommand(onceCommand(status));
  program.addCommand(eventsCommand(status));
  program.addCommand(checkCommand());
  program.addCommand(simulateCommand(status));
  program.addCommand(initCommand());
  program.addCommand(hostsCommand(status));
  program.addCommand(statusCommand(status));
  program.addCommand(installCommand(status));
  program.addCommand(uninstallCommand(status));
  program.addCommand(pluginCommand(status));
  program.addCommand(completionCommand());
  program.addCommand(
    new Command("version").description("print the version (also: reactor --version)").action(
      () => {
        // deno-lint-ignore no-console
        console.log(versionLine());
      },
    ),
  );
  for (const c of program.commands) {
    c.exitOverride()
      .showSuggestionAfterError(true)
      .showHelpAfterError(`See 'reactor ${c.name()} --help'.`);
  }
  // which command ran, for the hint after a usage error it throws
  program.hook("preAction", (_p, action) => {
    status.command = action.name();
  });
  return program;
}

async function main(argv: string[]): Promise<number> {
  const status = exitStatus();
  const program = buildProgram(status);
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return 2;
    }
    await program.parseAsync(argv, { from: "user" });
    return status.code;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (
        err.code === "commander.helpDisplayed" || err.code === "commander.help" ||
        err.code === "commander.version"
      ) return 0;
      return 2; // commander already printed a one-line "error: …"
    }
    const verbose = argv.includes("-v") || argv.includes("--verbose");
    if (err instanceof ConfigError) {
      // one line per problem, as is: `file:line:col: what is wrong — how to fix it`
      // deno-lint-ignore no-console
      for (const p of err.problems) console.error(p);
      if (verbose && err.cause instanceof Error && err.cause.stack) {
        // deno-lint-ignore no-console
        console.error(err.cause.stack);
      }
    } else {
      // deno-lint-ignore no-console
      console.error(`reactor: ${errorMessage(err)}`);
      if (err instanceof UsageError) {
        const help = status.command ? `reactor ${status.command} --help` : "reactor --help";
        // deno-lint-ignore no-console
        console.error(`See '${help}'.`);
      }
    }
    if (verbose && err instanceof Error && err.stack) {
      // deno-lint-ignore no-console
      console.error(err.stack);
    }
    return err instanceof ReactorError ? err.exitCode : 1;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
