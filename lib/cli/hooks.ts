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
import type { Globals } from "./globals.ts";

/** Flags that shape the built-in hooks (they override the config file's `hooks:` settings). */
export interface HookFlags {
  scriptsDir?: string;
  labelPrefix?: string;
  hostRoutes?: string;
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

/**
 * The built-in hook maker. `undefined` until the label-networking hooks are on this branch;
 * then: `import { defaultHooks } from "../../hooks/default.ts"` and set it to `defaultHooks`.
 */
export const DEFAULT_HOOKS: DefaultHooksFn | undefined = undefined;

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
      scriptTimeoutMs: scripts.timeoutMs,
      insecureScripts: flags.insecureConfig,
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
  const config = await loadConfigFromFlags(flags);
  return { config, hooks: configHooks(config, builtinFactory(g, flags, make)) };
}

/** Build the hooks for `run`/`once`. */
export async function buildHooks(g: Globals, flags: HookFlags & ConfigFlags): Promise<Hook[]> {
  return (await loadDaemonConfig(g, flags)).hooks;
}

/**
 * Reload on SIGHUP, and on a change of `files` with `--watch-config`: a valid config replaces
 * the reactor's hooks between events; an invalid one is logged and the old one keeps running.
 * Call `close()` on the result when the daemon stops.
 */
export function startConfigReload(
  g: Pick<Globals, "stateDir" | "log">,
  flags: HookFlags & ConfigFlags & { watchConfig?: boolean },
  reactor: Pick<Reactor, "setHooks">,
  files: readonly string[],
  make: DefaultHooksFn | undefined = DEFAULT_HOOKS,
): ConfigReloader {
  const reloader = new ConfigReloader({
    load: async () => (await loadDaemonConfig(g, flags, make)).hooks,
    apply: (hooks) => reactor.setHooks(hooks),
    log: g.log,
  });
  reloader.onSighup();
  if (flags.watchConfig) {
    if (files.length) reloader.watch(files);
    else g.log.warn("--watch-config: no config file to watch (embedded default in use)");
  }
  return reloader;
}
