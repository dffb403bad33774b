/**
 * The daemon's config: the loaded files made into engine hooks (built-in hooks first, then YAML
 * rules, then TS handlers; with no config file this is the embedded default), and the reload
 * wiring (`SIGHUP`, `--watch-config`).
 *
 * @module
 */
import type { Loaded } from "../config/load.ts";
import { configHooks } from "../config/hooks.ts";
import { ConfigReloader } from "../config/reload.ts";
import type { Hook } from "../engine/hook.ts";
import type { Reactor } from "../engine/reactor.ts";
import type { WebhookDispatcher } from "../webhook/queue.ts";
import { type CliConfigFlags, loadCliConfig } from "./config.ts";
import type { Globals } from "./globals.ts";

/** The daemon's config and its hooks. */
export interface DaemonConfig {
  config: Loaded;
  hooks: Hook[];
}

/** What the daemon's hooks share across config reloads. */
export interface DaemonShared {
  /** The one webhook dispatcher of the process (its queues survive reloads). */
  webhooks?: WebhookDispatcher;
}

/** Load the config files and build the hooks. Throws ConfigError (exit 2). */
export async function loadDaemonConfig(
  g: Pick<Globals, "stateDir" | "log" | "host">,
  flags: CliConfigFlags,
  shared: DaemonShared = {},
): Promise<DaemonConfig> {
  const config = await loadCliConfig(g, flags);
  const hooks = configHooks(config, {
    stateDir: g.stateDir,
    log: g.log,
    insecure: !!flags.insecureConfig,
    webhooks: shared.webhooks,
  });
  return { config, hooks };
}

/**
 * Reload on SIGHUP, and on a change of the config files with `--watch-config`: a valid config
 * replaces the reactor's hooks between events; an invalid one is logged and the old one keeps
 * running. The `docker:` hosts are not reloaded (a change is logged: restart to apply). The
 * replaced config's TS Workers stop once their running handlers finished. Call `close()` on the
 * result when the daemon stops.
 */
export function startConfigReload(
  g: Pick<Globals, "stateDir" | "log" | "host">,
  flags: CliConfigFlags & { watchConfig?: boolean },
  reactor: Pick<Reactor, "setHooks">,
  initial: Loaded,
  shared: DaemonShared & {
    /** Told about each config that went live (for `reactor status`). */
    onApplied?: (config: Loaded) => void;
  } = {},
): ConfigReloader<DaemonConfig> {
  const dockerOf = (c: Loaded) => JSON.stringify(c.docker?.value ?? null);
  let current = initial;
  const reloader = new ConfigReloader({
    load: async () => {
      const next = await loadDaemonConfig(g, flags, shared);
      if (dockerOf(next.config) !== dockerOf(initial)) {
        g.log.warn("config reload: the docker: hosts changed; restart reactor to apply them");
      }
      return next;
    },
    apply: ({ config, hooks }) => {
      reactor.setHooks(hooks);
      const old = current;
      current = config;
      old.close();
      shared.onApplied?.(config);
    },
    log: g.log,
  });
  reloader.onSighup();
  if (flags.watchConfig) {
    if (initial.files.length) reloader.watch(initial.files);
    else g.log.warn("--watch-config: no config file to watch (embedded default in use)");
  }
  const close = reloader.close.bind(reloader);
  reloader.close = async () => {
    await close();
    current.close();
  };
  return reloader;
}
