/**
 * `reactor install` and `reactor uninstall` (systemd unit). The unit runs `reactor run` with the
 * given flags passed through.
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "commander";
import {
  install,
  type InstallPlugin,
  launcherWarnings,
  reactorLauncher,
  uninstall,
  unitFor,
} from "../../install.ts";
import { configOption } from "../config/flags.ts";
import { UsageError } from "../errors.ts";
import { DEFAULT_L2VLAN_SOCKET, DEFAULT_L2VLAN_STATE_DIR } from "../plugin/l2vlan/defaults.ts";
import { exec } from "../exec/run.ts";
import type { ExitStatus } from "./exit.ts";
import { type GlobalFlags, resolveGlobals } from "./globals.ts";

/** Flags `install` forwards to `reactor run`. */
interface PassFlags {
  config?: readonly string[];
  scriptsDir?: string;
  labelPrefix?: string;
  hostRoutes?: string;
  insecureScripts?: boolean;
  scriptTimeout?: string;
  concurrency?: string;
  handlerTimeout?: string;
  drainTimeout?: string;
}

/** The `reactor run` flags to put into ExecStart (pure; exported for tests). */
export function runArgsFor(f: PassFlags & GlobalFlags, extra: readonly string[] = []): string[] {
  const a: string[] = [];
  const pass = (flag: string, v: string | undefined) => {
    if (v !== undefined) a.push(`${flag}=${v}`);
  };
  pass("--log-level", f.logLevel);
  pass("--log-format", f.logFormat);
  pass("--host", f.host);
  for (const c of f.config ?? []) pass("--config", absolutePath(c));
  pass("--scripts-dir", f.scriptsDir);
  pass("--label-prefix", f.labelPrefix);
  pass("--host-routes", f.hostRoutes);
  if (f.insecureScripts) a.push("--insecure-scripts");
  pass("--script-timeout", f.scriptTimeout);
  pass("--concurrency", f.concurrency);
  pass("--handler-timeout", f.handlerTimeout);
  pass("--drain-timeout", f.drainTimeout);
  return [...a, ...extra];
}

/** A path as the unit needs it: absolute (systemd runs reactor from /, or the checkout). */
function absolutePath(p: string): string {
  return p.startsWith("/") ? p : `${Deno.cwd()}/${p.replace(/^\.\//, "")}`;
}

/** `--plugin` value, checked. */
function pluginFlag(value: string | undefined): InstallPlugin | undefined {
  if (value === undefined) return undefined;
  if (value !== "l2vlan") throw new UsageError(`Unknown --plugin "${value}": use l2vlan`);
  return value;
}

/** The `reactor plugin l2vlan` flags to put into ExecStart (pure; exported for tests). */
export function pluginArgsFor(
  f: GlobalFlags & { socket?: string },
  extra: readonly string[] = [],
): string[] {
  const a: string[] = [];
  if (f.logLevel !== undefined) a.push(`--log-level=${f.logLevel}`);
  if (f.logFormat !== undefined) a.push(`--log-format=${f.logFormat}`);
  a.push(`--socket=${f.socket ?? DEFAULT_L2VLAN_SOCKET}`);
  return [...a, ...extra];
}

function print(lines: string[]): void {
  // deno-lint-ignore no-console
  for (const l of lines) console.log(l);
}

/** `reactor install`. */
export function installCommand(status: ExitStatus): CommandUnknownOpts {
  const cmd = new Command("install")
    .description(
      "write the systemd unit for this reactor, then daemon-reload and enable --now (idempotent)",
    )
    .argument("[runArgs...]", "extra flags for `reactor run` (after --)")
    .option("--print", "write the unit to stdout and change nothing")
    .option("--unit-dir <dir>", "where to write reactor.service (default /etc/systemd/system)")
    .option(
      "--plugin <name>",
      "install reactor-<name>.service for `reactor plugin <name>` instead (l2vlan)",
    )
    .option(
      "--socket <path>",
      `with --plugin: the plugin socket (default ${DEFAULT_L2VLAN_SOCKET})`,
    )
    .addOption(configOption())
    .option("--deno <path>", "from a checkout: the deno binary the unit runs (default: this one)")
    .option(
      "--workdir <dir>",
      "from a checkout: the checkout the unit runs main.ts from (default: this one)",
    )
    .option("--scripts-dir <dir>", "passed to `reactor run` (created if missing)")
    .option("--label-prefix <prefix>", "passed to `reactor run`")
    .option("--host-routes <policy>", "passed to `reactor run`")
    .option("--insecure-scripts", "passed to `reactor run`")
    .option("--script-timeout <seconds>", "passed to `reactor run`")
    .option("--concurrency <n>", "passed to `reactor run`")
    .option("--handler-timeout <seconds>", "passed to `reactor run`")
    .option("--drain-timeout <seconds>", "passed to `reactor run`");
  cmd.action(async (runArgs, _opts, c) => {
    const all = c.optsWithGlobals() as GlobalFlags & PassFlags & {
      print?: boolean;
      unitDir?: string;
      deno?: string;
      workdir?: string;
      plugin?: string;
      socket?: string;
    };
    const g = resolveGlobals(all);
    const plugin = pluginFlag(all.plugin);
    if (!plugin && all.socket !== undefined) throw new UsageError("--socket needs --plugin l2vlan");
    const args = plugin ? pluginArgsFor(all, runArgs) : runArgsFor(all, runArgs);
    // The plugin keeps its own state dir unless --state-dir names one.
    const stateDir = plugin ? all.stateDir ?? DEFAULT_L2VLAN_STATE_DIR : g.stateDir;
    const launcher = { deno: all.deno, workdir: all.workdir };
    if (all.print) {
      // the unit on stdout, what is fragile about it on stderr
      for (const w of launcherWarnings(reactorLauncher(undefined, undefined, launcher))) {
        // deno-lint-ignore no-console
        console.error(`warning: ${w}`);
      }
      // deno-lint-ignore no-console
      console.log(unitFor({ stateDir, runArgs: args, launcher, plugin }).trimEnd());
      return;
    }
    const r = await install({
      exec,
      unitDir: all.unitDir,
      stateDir,
      runArgs: args,
      plugin,
      scriptsDir: plugin ? undefined : all.scriptsDir ?? "/etc/reactor/scripts",
      launcher,
    });
    print(r.messages);
    status.code = 0;
  });
  return cmd;
}

/** `reactor uninstall`. */
export function uninstallCommand(status: ExitStatus): CommandUnknownOpts {
  const cmd = new Command("uninstall")
    .description("stop, disable and remove the systemd unit; keeps the state unless --purge")
    .option("--unit-dir <dir>", "where reactor.service is (default /etc/systemd/system)")
    .option("--purge", "also delete the state directory")
    .option("--plugin <name>", "remove reactor-<name>.service instead (l2vlan)");
  cmd.action(async (_opts, c) => {
    const all = c.optsWithGlobals() as GlobalFlags & {
      unitDir?: string;
      purge?: boolean;
      plugin?: string;
    };
    const g = resolveGlobals(all);
    const plugin = pluginFlag(all.plugin);
    const r = await uninstall({
      exec,
      unitDir: all.unitDir,
      stateDir: plugin ? all.stateDir ?? DEFAULT_L2VLAN_STATE_DIR : g.stateDir,
      plugin,
      purge: all.purge,
    });
    print(r.messages);
    status.code = 0;
  });
  return cmd;
}
