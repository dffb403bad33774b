/**
 * Which hooks a daemon runs: the config files (`--config`, `$REACTOR_CONFIG`, discovery) made
 * into hooks — built-in hooks first (label networking, scripts; on unless the config turns them
 * off), then YAML rules, then TS handlers. With no config file this is the embedded default.
 * Also the reload wiring (`SIGHUP`, `--watch-config`).
 *
 * @module
 */
import type { Hook } from "../engine/hook.ts";
import type { Reactor } from "../engine/reactor.ts";
import { type ConfigFlags, loadConfigFromFlags } from "../config/flags.ts";
import { type BuiltinFactory, configHooks } from "../config/hooks.ts";
import type { LoadedConfig } from "../config/model.ts";
import { ConfigReloader } from "../config/reload.ts";
import { exec } from "../exec/run.ts";
import { UsageError } from "../errors.ts";
import { durationFlag } from "./flag_values.ts";
import { defaultHooks } from "../../hooks/default.ts";
import type { Globals } from "./globals.ts";
import { validateHosts } from "./config_hosts.ts";

/** Flags that shape the built-in hooks (they override the config file's `hooks:` settings). */
export interface HookFlags {
  scriptsDir?: string;
  labelPrefix?: string;
  hostRoutes?: string;
  /** `--insecure-scripts`. */
  insecureScripts?: boolean;
  /** Seconds (`--script-timeout`). */
  scriptTimeout?: string;
}

/** What `defaultHooks()` (hooks/default.ts, label networking) takes. */
export interface DefaultHooksOptions {
  stateDir: string;
  scriptsDir?: string;
  labelPrefix?: string;
  hostRoutes?: string;
  scriptTimeoutMs?: number;
  insecureScripts?: boolean;
}

/** Signature of `defaultHooks` from `hooks/default.ts`. */
export type DefaultHooksFn = (opts: DefaultHooksOptions) => Hook[];

/** The built-in hook maker: label networking, then scripts (`hooks/default.ts`). */
export function makeDefaultHooks(opts: DefaultHooksOptions): Hook[] {
  return defaultHooks({ ...opts, exec });
}

/** Overridable in tests. */
export const DEFAULT_HOOKS: DefaultHooksFn | undefined = makeDefaultHooks;

function scriptTimeoutMs(flags: HookFlags): number | undefined {
  return durationFlag("--script-timeout", flags.scriptTimeout);
}

function checkHookFlags(flags: HookFlags): void {
  if (flags.labelPrefix !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(flags.labelPrefix)) {
    throw new UsageError(
      `Invalid --label-prefix "${flags.labelPrefix}": use letters, digits, ".", "-", "_" or "/" (e.g. docker-events.)`,
    );
  }
  scriptTimeoutMs(flags);
}

/**
 * Built-in hooks from the merged config settings; CLI flags win over the file. A hook the
 * config turns off (`hooks: { labels: false }`) is dropped by its name.
 */
export function builtinFactory(
  g: Pick<Globals, "stateDir">,
  flags: HookFlags & ConfigFlags,
  make: DefaultHooksFn | undefined = DEFAULT_HOOKS,
): BuiltinFactory {
  return (s) => {
    if (!make || (s.labels === false && s.scripts === false)) return [];
    const labels = s.labels === false ? {} : s.labels;
    const scripts = s.scripts === false ? {} : s.scripts;
    return make({
      stateDir: g.stateDir,
      labelPrefix: flags.labelPrefix ?? labels.prefix,
      hostRoutes: flags.hostRoutes ?? labels.hostRoutes,
      scriptsDir: flags.scriptsDir ?? scripts.dir,
      scriptTimeoutMs: scriptTimeoutMs(flags) ?? scripts.timeoutMs,
      insecureScripts: flags.insecureScripts || flags.insecureConfig,
    }).filter((h) =>
      !(s.labels === false && h.name === "labels") && !(s.scripts === false && h.name === "scripts")
    );
  };
}

/** The daemon's config: what was loaded (incl. the raw `docker:` section) and its hooks. */
export interface DaemonConfig {
  config: LoadedConfig;
  hooks: Hook[];
}

/** Load the config files and build the hooks. Throws ConfigError (exit 2). */
export async function loadDaemonConfig(
  g: Pick<Globals, "stateDir">,
  flags: HookFlags & ConfigFlags,
  make: DefaultHooksFn | undefined = DEFAULT_HOOKS,
): Promise<DaemonConfig> {
  checkHookFlags(flags);
  const config = await loadConfigFromFlags(flags);
  return { config, hooks: configHooks(config, builtinFactory(g, flags, make)) };
}

/** Build the hooks for `run`/`once`. */
export async function buildHooks(g: Globals, flags: HookFlags & ConfigFlags): Promise<Hook[]> {
  return (await loadDaemonConfig(g, flags)).hooks;
}

/**
 * Reload on SIGHUP, and on a change of the config files with `--watch-config`: a valid config
 * replaces the reactor's hooks between events; an invalid one is logged and the old one keeps
 * running. The `docker:` hosts are not reloaded (a change is logged: restart to apply).
 * Call `close()` on the result when the daemon stops.
 */
export function startConfigReload(
  g: Pick<Globals, "stateDir" | "log" | "host">,
  flags: HookFlags & ConfigFlags & { watchConfig?: boolean },
  reactor: Pick<Reactor, "setHooks">,
  initial: LoadedConfig,
  make: DefaultHooksFn | undefined = DEFAULT_HOOKS,
): ConfigReloader {
  const dockerOf = (c: LoadedConfig) => JSON.stringify(c.docker?.value ?? null);
  const reloader = new ConfigReloader({
    load: async () => {
      const { config, hooks } = await loadDaemonConfig(g, flags, make);
      await validateHosts(config, { host: g.host });
      if (dockerOf(config) !== dockerOf(initial)) {
        g.log.warn("config reload: the docker: hosts changed; restart reactor to apply them");
      }
      return hooks;
    },
    apply: (hooks) => reactor.setHooks(hooks),
    log: g.log,
  });
  reloader.onSighup();
  if (flags.watchConfig) {
    if (initial.files.length) reloader.watch(initial.files);
    else g.log.warn("--watch-config: no config file to watch (embedded default in use)");
  }
  return reloader;
}
