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

/** Where a non-compiled reactor comes from (`--deno`, `--workdir`). */
export interface LauncherOptions {
  /** The deno binary the unit runs (default: the one running now). */
  deno?: string;
  /** The checkout holding `main.ts` and `deno.json` (default: the one running now). */
  workdir?: string;
}

/** How the unit starts reactor. */
export interface Launcher {
  argv: string[];
  /** Set when reactor runs from a checkout with `deno run` (not a compiled binary). */
  checkout?: string;
  /** The deno binary (checkout only). */
  deno?: string;
}

/** How reactor itself is started: a compiled binary, or `deno run …` with the main module. */
export function reactorLauncher(
  execPath: string = Deno.execPath(),
  mainModule: string = Deno.mainModule,
  o: LauncherOptions = {},
): Launcher {
  const base = execPath.split("/").pop() ?? "";
  if (base !== "deno") return { argv: [execPath] };
  const deno = o.deno ? absolute(o.deno) : execPath;
  const main = o.workdir
    ? `${absolute(o.workdir)}/main.ts`
    : mainModule.startsWith("file://")
    ? decodeURIComponent(new URL(mainModule).pathname)
    : mainModule;
  const dir = main.slice(0, main.lastIndexOf("/"));
  const argv = [deno, "run", "-A"];
  try {
    if (Deno.statSync(`${dir}/deno.json`).isFile) argv.push(`--config=${dir}/deno.json`);
  } catch { /* no config next to main.ts */ }
  argv.push(main);
  return { argv, checkout: dir, deno };
}

/** {@link reactorLauncher}'s command line. */
export function reactorCommandLine(
  execPath: string = Deno.execPath(),
  mainModule: string = Deno.mainModule,
  o: LauncherOptions = {},
): string[] {
  return reactorLauncher(execPath, mainModule, o).argv;
}

/** Deno's cache for a unit that runs from a checkout: under the state dir (always writable). */
export function denoDirFor(stateDir: string): string {
  return `${absolute(stateDir)}/deno`;
}

function realPath(p: string): string {
  try {
    return Deno.realPathSync(p);
  } catch {
    return p;
  }
}

/** Temporary places a unit must not depend on (`/tmp`, `/var/tmp`, `$TMPDIR`, npm's caches). */
function transient(path: string, env: { get(k: string): string | undefined }): string | undefined {
  const real = realPath(path);
  if (/\/_npx\/|\/\.npm\//.test(real)) return "the npx cache, which npm may clear at any time";
  const tmp = ["/tmp/", "/var/tmp/", "/dev/shm/", env.get("TMPDIR")].filter(Boolean)
    .map((d) => d!.endsWith("/") ? d! : `${d}/`);
  if (tmp.some((d) => real.startsWith(d) || path.startsWith(d))) {
    return "a temporary directory, which may be cleared at the next boot";
  }
  return undefined;
}

/**
 * What is fragile about a launcher, as warnings: a deno binary in the npx cache or a temporary
 * directory, or a checkout in a temporary directory. Each names the flag that fixes it.
 */
export function launcherWarnings(
  l: Launcher,
  env: { get(k: string): string | undefined } = Deno.env,
): string[] {
  if (!l.checkout) return [];
  const out: string[] = [];
  const deno = l.deno ?? l.argv[0]!;
  const denoWhy = transient(deno, env);
  if (denoWhy) {
    const real = realPath(deno);
    out.push(
      `The unit would run deno from ${deno}${
        real !== deno ? ` (${real})` : ""
      }, in ${denoWhy} — install deno somewhere stable and pass --deno PATH (e.g. --deno /usr/local/bin/deno as a copy, not a link into the cache)`,
    );
  }
  const dirWhy = transient(l.checkout, env);
  if (dirWhy) {
    out.push(
      `The unit would run ${l.checkout}/main.ts from ${dirWhy} — put the checkout somewhere stable (e.g. /opt/reactor) and pass --workdir DIR, or install a compiled binary (deno task compile)`,
    );
  }
  return out;
}

/** Options shared by {@link install} and {@link uninstall}. */
export interface SystemdOptions {
  exec: Run;
  /** Install this plugin's unit (`reactor plugin <name>`) instead of `reactor run`. */
  plugin?: InstallPlugin;
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
  /** Command line of reactor itself (default {@link reactorLauncher}; tests). */
  command?: readonly string[];
  /** Where a non-compiled reactor comes from (`--deno`, `--workdir`). */
  launcher?: LauncherOptions;
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
  /** Problems with the unit that the user should fix (also in `messages`). */
  warnings: string[];
}

function launcherOf(o: Pick<InstallOptions, "command" | "launcher">): Launcher {
  if (!o.command) return reactorLauncher(undefined, undefined, o.launcher);
  const argv = [...o.command];
  // a given `deno run … main.ts` command runs from that checkout
  const main = argv.length > 2 && argv[1] === "run" ? argv[argv.length - 1]! : undefined;
  return main?.endsWith("/main.ts")
    ? { argv, checkout: main.slice(0, main.lastIndexOf("/")), deno: argv[0] }
    : { argv };
}

/**
 * Render the unit text for these options (what `--print` shows). From a checkout the unit
 * runs in it (`WorkingDirectory=`) with Deno's cache under the state directory (`DENO_DIR`),
 * which stays writable under `ProtectHome=read-only` (a cache in /root/.cache would not be).
 */
export function unitFor(
  o: Pick<InstallOptions, "stateDir" | "runArgs" | "command" | "launcher" | "plugin">,
): string {
  const stateDir = absolute(o.stateDir);
  const l = launcherOf(o);
  if (o.plugin) {
    return renderL2vlanUnit({
      execStart: [...l.argv, "plugin", o.plugin, `--state-dir=${stateDir}`, ...(o.runArgs ?? [])],
      stateDir,
    });
  }
  return renderUnit({
    execStart: [...l.argv, "run", `--state-dir=${stateDir}`, ...(o.runArgs ?? [])],
    stateDir,
    ...(l.checkout
      ? { environment: { DENO_DIR: denoDirFor(stateDir) }, workingDirectory: l.checkout }
      : {}),
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
  const launcher = launcherOf(o);
  const warnings = launcherWarnings(launcher);
  const messages: string[] = warnings.map((w) => `warning: ${w}`);
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
  if (launcher.checkout) {
    // fill the unit's Deno cache now, so the service starts without fetching packages
    const denoDir = denoDirFor(o.stateDir);
    const cfg = launcher.argv.find((a) => a.startsWith("--config="));
    try {
      await Deno.mkdir(denoDir, { recursive: true, mode: 0o700 });
      await o.exec([
        launcher.argv[0]!,
        "cache",
        ...(cfg ? [cfg] : []),
        launcher.argv[launcher.argv.length - 1]!,
      ], { env: { DENO_DIR: denoDir }, cwd: launcher.checkout, timeoutMs: 600_000 });
      messages.push(`Cached reactor's dependencies in ${denoDir} (the unit's DENO_DIR)`);
    } catch (err) {
      const w = `Cannot fill Deno's cache ${denoDir}: ${
        errorMessage(err)
      } — the service will fetch its packages when it starts`;
      warnings.push(w);
      messages.push(`warning: ${w}`);
    }
  }
  const running = await (o.systemdRunning ?? (() => systemdIsRunning(o.exec)))();
  if (!running) {
    messages.push(
      `systemd is not running on this machine (no /run/systemd/system or no systemctl): the unit was written but not enabled — on a systemd host run: systemctl daemon-reload && systemctl enable --now ${name}`,
    );
    return { unitPath, unitText, changed, activated: false, messages, warnings };
  }
  await systemctl(o.exec, "daemon-reload");
  await systemctl(o.exec, "enable", name);
  // a changed unit only takes effect after a restart; an unchanged one is just started
  await systemctl(o.exec, changed ? "restart" : "start", name);
  messages.push(`Enabled and ${changed ? "(re)started" : "started"} ${name}`);
  return { unitPath, unitText, changed, activated: true, messages, warnings };
}

/** Options for {@link uninstall}. */
export interface UninstallOptions extends SystemdOptions {
  /** Also delete the state directory. */
  purge?: boolean;
  stateDir: string;
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
