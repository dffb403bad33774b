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
import { sleep } from "../util/sleep.ts";
import { WebhookDispatcher } from "../webhook/queue.ts";

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
  /** The engine's observer (default: a new one); shared with {@link daemonWebhooks}. */
  observer?: Observer;
  /** Given a bounded drain (as in-flight handlers) and closed when the daemon stops. */
  webhooks?: WebhookDispatcher;
}

/** The process's one webhook dispatcher; each delivery's outcome is observed (metrics). */
export function daemonWebhooks(log: Log, observer: Observer): WebhookDispatcher {
  return new WebhookDispatcher({
    log,
    onOutcome: (o) =>
      observer.emit({
        kind: "webhook",
        at: Date.now(),
        hostId: "",
        rule: o.rule,
        outcome: o.outcome,
        attempts: o.attempts,
        target: o.target,
        durationMs: o.durationMs,
        error: o.error,
      }),
  });
}

/** Let queued webhooks go out for up to `ms`, then drop what is left and close. */
async function closeWebhooks(w: WebhookDispatcher, ms: number, log: Log): Promise<void> {
  const ac = new AbortController();
  const idle = await Promise.race([
    w.idle().then(() => true),
    sleep(ms, ac.signal).then(() => false),
  ]);
  ac.abort();
  if (!idle) {
    log.warn(`Webhook deliveries still pending after ${ms} ms on shutdown: dropping them`, {
      queued: w.depth,
    });
  }
  await w.close();
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
  g.log.info("reactor started", {
    hosts: o.hosts.map((h) => h.id).join(","),
    hooks: o.hooks.map((h) => h.name).join(","),
    stateDir: g.stateDir,
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
    const observer = engineObserver(g.log);
    const webhooks = daemonWebhooks(g.log, observer);
    const { config, hooks } = await loadDaemonConfig(g, all, { webhooks });
    let reloader: ConfigReloader<DaemonConfig> | undefined;
    try {
      status.code = await runDaemon(g, {
        hooks,
        hosts: hostConnectors(g, config.hosts),
        engine: all,
        observer,
        webhooks,
        onReactor: (r) => reloader = startConfigReload(g, all, r, config, { webhooks }),
      });
    } finally {
      await webhooks.close();
      if (reloader) await reloader.close();
      else config.close();
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

/** Re-exported for tests and alternative entry points. */
export type { Globals };
