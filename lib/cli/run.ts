/**
 * `reactor run` (the daemon) and `reactor once` (reconcile running containers, then exit).
 *
 * @module
 */
import { Command } from "commander";
import type { Hook } from "../engine/hook.ts";
import { Reactor } from "../engine/reactor.ts";
import type { HostConnector } from "../docker/connector.ts";
import { durationFlag, positiveIntFlag } from "./flag_values.ts";
import type { ExitStatus } from "./exit.ts";
import { type GlobalFlags, type Globals, hostConnectors, resolveGlobals } from "./globals.ts";
import { type DaemonConfig, loadDaemonConfig, startConfigReload } from "./daemon_config.ts";
import { configOption, insecureConfigOption } from "../config/flags.ts";
import type { ConfigReloader } from "../config/reload.ts";
import { addHookFlags, type CliConfigFlags } from "./config.ts";
import { installShutdownSignals } from "./signals.ts";
import { Observer } from "../engine/observer.ts";
import { errorMessage } from "../errors.ts";
import type { Log } from "../log.ts";
import type { WebhookDispatcher } from "../webhook/queue.ts";
import { closeWebhooks, daemonWebhooks } from "./webhooks.ts";
import { acquireStateLock, lockHolder, StateLockedError } from "../daemon/state_lock.ts";
import type { Loaded } from "../config/load.ts";
import type { LogFields } from "../log.ts";
import type { ConfigReport } from "../status/model.ts";
import { startDaemonStatus } from "./daemon_status.ts";
import { DEFAULT_SCRIPTS_DIR, type ScriptsSettings } from "../../hooks/scripts.ts";

/** Engine tuning flags shared by `run` and `once`. */
export interface EngineFlags {
  concurrency?: string;
  handlerTimeout?: string;
  drainTimeout?: string;
}

/** Options for {@link runDaemon}. */
export interface DaemonOptions {
  hooks: Hook[];
  hosts: HostConnector[];
  engine: EngineFlags;
  /** Called with the reactor once it exists (config reload wiring, tests). */
  onReactor?: (r: Reactor) => void;
  /** The engine's observer (default: a new one); shared with the webhook dispatcher. */
  observer?: Observer;
  /** Given a bounded drain (as in-flight handlers) and closed when the daemon stops. */
  webhooks?: WebhookDispatcher;
  /** More fields for the startup line (config files, scripts directory). */
  startup?: LogFields;
  /** Services beside the engine (the status socket), started before it, closed after it. */
  beside?: (r: Reactor) => Promise<{ close(): Promise<void> } | undefined>;
}

/** Run the daemon until SIGTERM/SIGINT; drains and saves cursors. Returns the exit code. */
export async function runDaemon(g: Globals, o: DaemonOptions): Promise<number> {
  const signals = installShutdownSignals();
  const drainTimeoutMs = durationFlag("--drain-timeout", o.engine.drainTimeout, 10_000);
  const reactor = new Reactor({
    hosts: o.hosts,
    hooks: o.hooks,
    stateDir: g.stateDir,
    log: g.log,
    concurrency: positiveIntFlag("--concurrency", o.engine.concurrency, 16),
    handlerTimeoutMs: durationFlag("--handler-timeout", o.engine.handlerTimeout, 60_000),
    drainTimeoutMs,
    observer: o.observer,
  });
  o.onReactor?.(reactor);
  await Deno.mkdir(g.stateDir, { recursive: true, mode: 0o700 });
  const beside = await o.beside?.(reactor);
  g.log.info("reactor started", {
    hosts: o.hosts.map((h) => h.id).join(","),
    hooks: o.hooks.map((h) => h.name).join(","),
    stateDir: g.stateDir,
    ...o.startup,
    pid: Deno.pid,
  });
  signals.stop.signal.addEventListener("abort", () => g.log.info("Shutting down"), {
    once: true,
  });
  try {
    await reactor.run(signals.stop.signal);
    if (o.webhooks) await closeWebhooks(o.webhooks, drainTimeoutMs, g.log);
  } finally {
    signals.dispose();
    await beside?.close();
  }
  g.log.info("reactor stopped", { ...reactor.stats });
  return 0;
}

/** Reconcile once; exit code 1 when any hook failed or a host was unreachable. */
export async function runOnce(g: Globals, o: Omit<DaemonOptions, "onReactor">): Promise<number> {
  const handlerTimeoutMs = durationFlag("--handler-timeout", o.engine.handlerTimeout, 60_000);
  const reactor = new Reactor({
    hosts: o.hosts,
    hooks: o.hooks,
    stateDir: g.stateDir,
    log: g.log,
    persist: false,
    concurrency: positiveIntFlag("--concurrency", o.engine.concurrency, 16),
    handlerTimeoutMs,
    observer: o.observer,
  });
  const stats = await reactor.once();
  if (o.webhooks) await closeWebhooks(o.webhooks, handlerTimeoutMs, g.log);
  g.log.info("once finished", { ...stats });
  return stats.failures > 0 ? 1 : 0;
}

/** The engine's observer (a failing subscriber is logged once). */
function engineObserver(log: Log): Observer {
  return new Observer((err) => log.warn(`An observer failed: ${errorMessage(err)}`));
}

/** Engine and hook flags shared by `run` and `once`. */
function engineOptions(c: Command): Command {
  c.option("--concurrency <n>", "containers handled in parallel (default 16)")
    .option("--handler-timeout <duration>", "per-hook timeout (default 60; 30, 2m, 1m30s)")
    .addOption(configOption())
    .addOption(insecureConfigOption());
  return addHookFlags(c);
}

type DaemonFlags = GlobalFlags & EngineFlags & CliConfigFlags & { watchConfig?: boolean };

/** `reactor run`. */
export function runCommand(status: ExitStatus): Command {
  const cmd = engineOptions(
    new Command("run").description("run the daemon: follow events and react to them"),
  ).option(
    "--drain-timeout <duration>",
    "bounded drain of in-flight handlers on shutdown (default 10)",
  ).option(
    "--watch-config",
    "reload the config when a config file changes (SIGHUP always reloads)",
  );
  cmd.action(async (_opts, c: Command) => {
    const all = c.optsWithGlobals() as DaemonFlags;
    const g = resolveGlobals(all);
    // one daemon per state dir: before anything reads or writes in it
    const lock = await acquireStateLock(g.stateDir);
    const observer = engineObserver(g.log);
    const webhooks = daemonWebhooks(g.log, observer);
    try {
      const { config, hooks } = await loadDaemonConfig(g, all, { webhooks });
      const running: ConfigReport = {
        files: [...config.files],
        loadedAt: new Date().toISOString(),
        reloads: 0,
      };
      const applied = (next: Loaded) => {
        running.files = [...next.files];
        running.loadedAt = new Date().toISOString();
        running.reloads++;
      };
      let reloader: ConfigReloader<DaemonConfig> | undefined;
      try {
        status.code = await runDaemon(g, {
          hooks,
          hosts: hostConnectors(g, config.hosts),
          engine: all,
          observer,
          webhooks,
          startup: await startupFields(config),
          onReactor: (r) =>
            reloader = startConfigReload(g, all, r, config, { webhooks, onApplied: applied }),
          beside: (r) => startDaemonStatus(g, r, () => ({ ...running })),
        });
      } finally {
        if (reloader) await reloader.close();
        else config.close();
      }
    } finally {
      await webhooks.close();
      lock.release();
    }
  });
  return cmd;
}

/** `reactor once`. */
export function onceCommand(status: ExitStatus): Command {
  const cmd = engineOptions(
    new Command("once").description(
      "reconcile every running container once, then exit (non-zero if an action failed)",
    ),
  );
  cmd.action(async (_opts, c: Command) => {
    const all = c.optsWithGlobals() as DaemonFlags;
    const g = resolveGlobals(all);
    await refuseBesideDaemon(g.stateDir);
    const observer = engineObserver(g.log);
    const webhooks = daemonWebhooks(g.log, observer);
    const { config, hooks } = await loadDaemonConfig(g, all, { webhooks });
    try {
      status.code = await runOnce(g, {
        hooks,
        hosts: hostConnectors(g, config.hosts),
        engine: all,
        observer,
        webhooks,
      });
    } finally {
      await webhooks.close();
      config.close();
    }
  });
  return cmd;
}

/**
 * `reactor once` does not take the state lock, but refuses to run beside a daemon on the same
 * state directory: the daemon already reconciles every container, and both would write the
 * host-route record. Throws {@link StateLockedError} (exit 1) naming the daemon's PID.
 */
export async function refuseBesideDaemon(stateDir: string): Promise<void> {
  const holder = await lockHolder(stateDir);
  if (!holder) return;
  throw new StateLockedError(
    `Cannot run once: a reactor daemon ${
      holder.pid ? `(PID ${holder.pid}) ` : ""
    }is running with state directory ${stateDir} and already reconciles every container — see \`reactor status\`, or stop the daemon first`,
    holder.pid,
  );
}

/** What the startup line says about the config: its files, and the scripts directory. */
export async function startupFields(config: Loaded): Promise<LogFields> {
  const out: LogFields = {
    config: config.files.length ? config.files.join(",") : "embedded default",
  };
  const scripts = config.builtins["scripts"] as ScriptsSettings | false | undefined;
  if (!scripts) out["scriptsDir"] = "off";
  else {
    const dir = scripts.dir ?? DEFAULT_SCRIPTS_DIR;
    const isDir = await Deno.stat(dir).then((st) => st.isDirectory, () => false);
    out["scriptsDir"] = isDir ? dir : `${dir} (missing: no scripts will run)`;
  }
  return out;
}

/** Re-exported for tests and alternative entry points. */
export type { Globals };
