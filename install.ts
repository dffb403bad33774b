/**
 * `reactor install` / `reactor uninstall`: write (or remove) the systemd unit for the reactor in
 * use, then `daemon-reload` and `enable --now`. Where systemd is not running (containers, CI),
 * the unit is still written and the result says so clearly.
 *
 * @module
 */
import { CommandError, errorMessage, ReactorError } from "./lib/errors.ts";
import type { Run } from "./lib/exec/run.ts";
import { renderL2vlanUnit, renderUnit } from "./lib/systemd/unit.ts";
import { writeFileAtomic } from "./lib/util/atomic_write.ts";

/** Default unit directory and name. */
export const DEFAULT_UNIT_DIR = "/etc/systemd/system";
export const UNIT_NAME = "reactor.service";

/** Plugins `install --plugin` knows. */
export type InstallPlugin = "l2vlan";

/** The unit file name for reactor itself or for one of its plugins. */
export function unitNameFor(plugin?: InstallPlugin): string {
  return plugin ? `reactor-${plugin}.service` : UNIT_NAME;
}

/** How reactor itself is started: a compiled binary, or `deno run …` with the main module. */
export function reactorCommandLine(
  execPath: string = Deno.execPath(),
  mainModule: string = Deno.mainModule,
): string[] {
  const base = execPath.split("/").pop() ?? "";
  if (base !== "deno") return [execPath];
  const main = mainModule.startsWith("file://")
    ? decodeURIComponent(new URL(mainModule).pathname)
    : mainModule;
  const dir = main.slice(0, main.lastIndexOf("/"));
  const argv = [execPath, "run", "-A"];
  try {
    if (Deno.statSync(`${dir}/deno.json`).isFile) argv.push(`--config=${dir}/deno.json`);
  } catch { /* no config next to main.ts */ }
  argv.push(main);
  return argv;
}

/** Options shared by {@link install} and {@link uninstall}. */
export interface SystemdOptions {
  exec: Run;
  /** Where the unit goes (default `/etc/systemd/system`). */
  unitDir?: string;
  /** Override the "is systemd running" probe (tests). */
  systemdRunning?: () => Promise<boolean>;
}

/** Options for {@link install}. */
export interface InstallOptions extends SystemdOptions {
  /** reactor's state dir (absolute); passed as `--state-dir`. */
  stateDir: string;
  /** Flags passed through to `reactor run` (`--config`, `--scripts-dir`, `-H`, …). */
  runArgs?: readonly string[];
  /** Create this scripts dir (root-owned, 0755) when missing. */
  scriptsDir?: string;
  /** Command line of reactor itself (default {@link reactorCommandLine}). */
  command?: readonly string[];
  /** Install this plugin's unit (`reactor plugin <name>`) instead of `reactor run`. */
  plugin?: InstallPlugin;
}

/** What {@link install} did. */
export interface InstallResult {
  unitPath: string;
  unitText: string;
  /** False when an identical unit was already in place. */
  changed: boolean;
  /** True when systemctl ran (daemon-reload, enable, start/restart). */
  activated: boolean;
  /** Human lines describing what happened and what to do next. */
  messages: string[];
}

/** Render the unit text for these options (what `--print` shows). */
export function unitFor(
  o: Pick<InstallOptions, "stateDir" | "runArgs" | "command" | "plugin">,
): string {
  const stateDir = absolute(o.stateDir);
  if (o.plugin) {
    return renderL2vlanUnit({
      execStart: [
        ...(o.command ?? reactorCommandLine()),
        "plugin",
        o.plugin,
        `--state-dir=${stateDir}`,
        ...(o.runArgs ?? []),
      ],
      stateDir,
    });
  }
  return renderUnit({
    execStart: [
      ...(o.command ?? reactorCommandLine()),
      "run",
      `--state-dir=${stateDir}`,
      ...(o.runArgs ?? []),
    ],
    stateDir,
  });
}

function absolute(p: string): string {
  if (p.startsWith("/")) return p.replace(/(.)\/+$/, "$1");
  return `${Deno.cwd()}/${p}`.replace(/\/\.?\/+/g, "/").replace(/(.)\/+$/, "$1");
}

/** True when systemd is PID 1 here (the sd_booted() test) and systemctl exists. */
export async function systemdIsRunning(exec: Run): Promise<boolean> {
  try {
    if (!(await Deno.stat("/run/systemd/system")).isDirectory) return false;
  } catch {
    return false;
  }
  try {
    await exec(["systemctl", "--version"], { timeoutMs: 10_000 });
    return true;
  } catch {
    return false;
  }
}

async function readOr(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
}

async function systemctl(exec: Run, ...args: string[]): Promise<void> {
  try {
    await exec(["systemctl", ...args], { timeoutMs: 120_000 });
  } catch (err) {
    const detail = err instanceof CommandError ? err.message : errorMessage(err);
    throw new ReactorError(`Cannot run systemctl ${args.join(" ")}: ${detail}`, { cause: err });
  }
}

/** Write the unit and (where systemd runs) reload, enable and start it. Idempotent. */
export async function install(o: InstallOptions): Promise<InstallResult> {
  const unitDir = o.unitDir ?? DEFAULT_UNIT_DIR;
  const name = unitNameFor(o.plugin);
  const unitPath = `${unitDir}/${name}`;
  const unitText = unitFor(o);
  const messages: string[] = [];
  await Deno.mkdir(unitDir, { recursive: true });
  const changed = (await readOr(unitPath)) !== unitText;
  if (changed) {
    await writeFileAtomic(unitPath, unitText, { mode: 0o644 });
    messages.push(`Wrote ${unitPath}`);
  } else {
    messages.push(`${unitPath} is already up to date`);
  }
  if (o.scriptsDir) {
    try {
      await Deno.stat(o.scriptsDir);
    } catch {
      await Deno.mkdir(o.scriptsDir, { recursive: true, mode: 0o755 });
      await Deno.chmod(o.scriptsDir, 0o755);
      messages.push(`Created scripts directory ${o.scriptsDir}`);
    }
  }
  const running = await (o.systemdRunning ?? (() => systemdIsRunning(o.exec)))();
  if (!running) {
    messages.push(
      `systemd is not running on this machine (no /run/systemd/system or no systemctl): the unit was written but not enabled — on a systemd host run: systemctl daemon-reload && systemctl enable --now ${name}`,
    );
    return { unitPath, unitText, changed, activated: false, messages };
  }
  await systemctl(o.exec, "daemon-reload");
  await systemctl(o.exec, "enable", name);
  // a changed unit only takes effect after a restart; an unchanged one is just started
  await systemctl(o.exec, changed ? "restart" : "start", name);
  messages.push(`Enabled and ${changed ? "(re)started" : "started"} ${name}`);
  return { unitPath, unitText, changed, activated: true, messages };
}

/** Options for {@link uninstall}. */
export interface UninstallOptions extends SystemdOptions {
  /** Also delete the state directory. */
  purge?: boolean;
  stateDir: string;
  /** Remove this plugin's unit instead of reactor's. */
  plugin?: InstallPlugin;
}

/** Stop, disable and remove the unit; keep the state unless `purge`. Idempotent. */
export async function uninstall(o: UninstallOptions): Promise<{ messages: string[] }> {
  const name = unitNameFor(o.plugin);
  const unitPath = `${o.unitDir ?? DEFAULT_UNIT_DIR}/${name}`;
  const messages: string[] = [];
  const running = await (o.systemdRunning ?? (() => systemdIsRunning(o.exec)))();
  const present = (await readOr(unitPath)) !== undefined;
  if (running && present) {
    await systemctl(o.exec, "disable", "--now", name);
    messages.push(`Stopped and disabled ${name}`);
  }
  if (present) {
    await Deno.remove(unitPath);
    messages.push(`Removed ${unitPath}`);
    if (running) await systemctl(o.exec, "daemon-reload");
  } else {
    messages.push(`${unitPath} is not installed`);
  }
  if (!running) {
    messages.push("systemd is not running on this machine: nothing to stop or disable");
  }
  const stateDir = absolute(o.stateDir);
  if (o.purge) {
    if (stateDir === "/" || stateDir.split("/").filter(Boolean).length < 2) {
      throw new ReactorError(
        `Refusing to purge state directory "${stateDir}": too close to / — remove it by hand`,
      );
    }
    await Deno.remove(stateDir, { recursive: true }).catch((err) => {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    });
    messages.push(`Removed state directory ${stateDir}`);
  } else {
    messages.push(`Kept state directory ${stateDir} (use --purge to remove it)`);
  }
  return { messages };
}
