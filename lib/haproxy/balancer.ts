/**
 * The HAProxy balancer: containers in, a running HAProxy that routes to them out, without
 * dropping requests.
 *
 * Each {@link HaproxyBalancer.update}: labels → model → render → compare with the installed
 * config. Server-only changes go through the Runtime API (no reload) and the file is rewritten
 * so a later reload gives the same state; other changes are checked with `haproxy -c`, written
 * in place and reloaded (seamless with `expose-fd listeners`). Failures keep the running state
 * and are reported as `{ action: "failed" }`; the next update retries (after a failed Runtime
 * API step, with a reload). {@link HaproxyBalancer.schedule} debounces bursts (`wait`) and
 * retries failures with backoff by itself.
 *
 * @module
 */
import { errorMessage } from "../errors.ts";
import type { Run } from "../exec/run.ts";
import type { Log } from "../log.ts";
import { Backoff } from "../util/backoff.ts";
import { Debouncer } from "../util/debounce.ts";
import { writeFileAtomic } from "../util/atomic_write.ts";
import { type ConfigShape, parseConfig } from "./config_text.ts";
import { readIfExists, sideFiles, validateConfig, writeInPlace } from "./install.ts";
import { balancerModel } from "./labels.ts";
import type { BalancerContainer, ModelWarning } from "./model.ts";
import {
  builtinRenderer,
  namedRenderer,
  renderConfig,
  type Renderer,
  templateRenderer,
} from "./render.ts";
import { reloadHaproxy } from "./reload.ts";
import { RuntimeApi, type ServerState } from "./runtime_api.ts";
import { applyOps } from "./runtime_apply.ts";
import { describeOp, planChange } from "./runtime_plan.ts";
import type { HaproxySettings } from "./settings.ts";

/** What one update did. */
export interface ApplyResult {
  action: "none" | "runtime" | "reload" | "failed";
  /** The step that failed (action "failed"). */
  stage?: "render" | "validate" | "install" | "runtime" | "reload";
  /** One-line reason of a failure. */
  error?: string;
  /** Why a reload was needed (action "reload"). */
  reason?: string;
  /** Runtime API steps applied (`add be_http_80/web_1`, …). */
  ops?: string[];
  /** Label problems of this update (all of them, not only new ones). */
  warnings: ModelWarning[];
  /** How long the update took (from its turn in the queue to its result). */
  durationMs?: number;
}

/** What the balancer needs from outside. */
export interface BalancerDeps {
  /** The spawn point (`haproxy -c`, the reload command). */
  exec: Run;
  log: Log;
  /** Render function instead of the settings' template (tests, reactor.config.ts). */
  render?: Renderer;
  /** Longest wait for a new worker after a reload (default 15 s). */
  reloadTimeoutMs?: number;
  /** `haproxy` binary for `-c` (default `haproxy` on PATH). */
  haproxy?: string;
  /** Called after each scheduled update (metrics, status). */
  onResult?: (r: ApplyResult) => void;
}

/** Counters since construction. */
export interface BalancerStats {
  updates: number;
  runtime: number;
  reloads: number;
  failures: number;
}

/** Keeps one HAProxy in line with the containers. */
export class HaproxyBalancer {
  readonly settings: HaproxySettings;
  readonly stats: BalancerStats = { updates: 0, runtime: 0, reloads: 0, failures: 0 };
  readonly #deps: BalancerDeps;
  readonly #renderer: Renderer;
  readonly #api: RuntimeApi;
  readonly #debouncer: Debouncer;
  readonly #backoff = new Backoff({ baseMs: 1000, capMs: 60_000, minMs: 500 });
  #installed: { text: string; shape: ConfigShape } | undefined;
  #loaded = false;
  #reloadNext = false;
  #warned = new Set<string>();
  #queue: Promise<unknown> = Promise.resolve();
  #latest: readonly BalancerContainer[] | undefined;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  /** The result of the last update (scheduled or direct). */
  last: ApplyResult | undefined;

  constructor(settings: HaproxySettings, deps: BalancerDeps) {
    this.settings = settings;
    this.#deps = deps;
    this.#renderer = deps.render ?? rendererFor(settings);
    this.#api = new RuntimeApi(settings.statsSocket);
    this.#debouncer = new Debouncer(() => this.#scheduled(), {
      minMs: settings.wait.minMs,
      maxMs: settings.wait.maxMs,
      onError: (err) => deps.log.error("HAProxy update failed", { error: errorMessage(err) }),
    });
  }

  /**
   * Apply the containers now (updates never overlap: a call waits for the previous one).
   *
   * @example
   * ```ts ignore
   * const r = await balancer.update(containers); // { action: "runtime", ops: ["add …"] }
   * ```
   */
  update(containers: readonly BalancerContainer[]): Promise<ApplyResult> {
    const run = this.#queue.then(async () => {
      const started = performance.now();
      const r = await this.#apply(containers);
      r.durationMs = performance.now() - started;
      return r;
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Apply the containers after the `wait` debounce; only the latest list counts. */
  schedule(containers: readonly BalancerContainer[]): void {
    if (this.#closed) return;
    this.#latest = containers;
    this.#debouncer.trigger();
  }

  /** Resolves when no scheduled update is pending or running. */
  async idle(): Promise<void> {
    await this.#debouncer.idle();
    await this.#queue;
  }

  /** Stop scheduling (a running update finishes). */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    this.#debouncer.close();
    await this.#queue;
  }

  async #scheduled(): Promise<void> {
    const list = this.#latest;
    if (!list || this.#closed) return;
    const r = await this.update(list);
    this.#deps.onResult?.(r);
    clearTimeout(this.#retry);
    if (r.action !== "failed") {
      this.#backoff.reset();
      return;
    }
    const delay = this.#backoff.next();
    this.#deps.log.info("HAProxy update will be retried", { inMs: delay });
    this.#retry = setTimeout(() => {
      if (!this.#closed) this.#debouncer.trigger();
    }, delay);
  }

  async #apply(containers: readonly BalancerContainer[]): Promise<ApplyResult> {
    const log = this.#deps.log;
    this.stats.updates++;
    const { model, warnings } = balancerModel(containers, {
      statsSocket: this.settings.statsSocket,
      bindAddress: this.settings.bindAddress,
      network: this.settings.network,
      publishedPorts: this.settings.publishedPorts,
      healthGated: this.settings.healthGated,
    });
    this.#logWarnings(warnings);
    const fail = (stage: ApplyResult["stage"], error: string): ApplyResult => {
      this.stats.failures++;
      log.error(`HAProxy config not applied: ${error}`, { stage });
      return this.#done({ action: "failed", stage, error, warnings });
    };

    let text: string;
    try {
      text = await renderConfig(this.#renderer, model);
    } catch (err) {
      return fail("render", errorMessage(err));
    }
    if (!this.#loaded) await this.#adoptInstalled();
    const installed = this.#installed;
    const live = await this.#liveServers();
    const desired = parseConfig(text);
    if (installed && text === installed.text && !this.#reloadNext) {
      const plan = planChange(installed.shape, desired, live);
      if (!live || (plan.kind === "runtime" && plan.ops.length === 0)) {
        return this.#done({ action: "none", warnings });
      }
    }
    if (!installed || text !== installed.text) {
      const v = await validateConfig(this.#deps.exec, {
        configFile: this.settings.configFile,
        text,
        haproxy: this.#deps.haproxy,
      }).catch((err) => ({ ok: false as const, detail: errorMessage(err) }));
      if (!v.ok) return fail("validate", v.detail);
    }
    const plan = this.#reloadNext
      ? { kind: "reload" as const, reason: "a Runtime API step failed last time" }
      : planChange(installed?.shape, desired, live);

    if (plan.kind === "runtime") {
      const done = await applyOps(this.#api, plan.ops, log);
      if (done.error) {
        this.#reloadNext = true;
        return fail("runtime", `${done.error} (the next update reloads instead)`);
      }
      try {
        await this.#install(text, desired);
      } catch (err) {
        return fail("install", errorMessage(err));
      }
      this.stats.runtime++;
      const ops = plan.ops.map(describeOp);
      log.info("HAProxy servers updated through the Runtime API", { ops });
      return this.#done({ action: "runtime", ops, warnings });
    }

    const previous = installed?.text ?? await readIfExists(this.settings.configFile);
    try {
      await writeInPlace(this.settings.configFile, text);
    } catch (err) {
      return fail("install", errorMessage(err));
    }
    const reloaded = await reloadHaproxy({
      exec: this.#deps.exec,
      api: this.#api,
      reload: this.settings.reload,
      masterPidFile: this.settings.masterPidFile,
      timeoutMs: this.#deps.reloadTimeoutMs ?? 15_000,
    });
    if (!reloaded.ok) {
      // HAProxy keeps running its previous config: put that file back so disk = running state
      if (previous !== undefined) {
        await writeInPlace(this.settings.configFile, previous).catch(() => {});
      }
      return fail("reload", reloaded.detail);
    }
    try {
      await this.#install(text, desired);
    } catch (err) {
      return fail("install", errorMessage(err));
    }
    this.#reloadNext = false;
    this.stats.reloads++;
    if (reloaded.unverified) {
      log.warn(
        `HAProxy reload not verified: the Runtime API at ${this.settings.statsSocket} did not ` +
          `answer before it — render "stats socket ${this.settings.statsSocket} level admin ` +
          `expose-fd listeners" in the config`,
      );
    }
    log.info("HAProxy reloaded", { reason: plan.reason, workerPid: reloaded.workerPid });
    return this.#done({ action: "reload", reason: plan.reason, warnings });
  }

  #done(r: ApplyResult): ApplyResult {
    this.last = r;
    return r;
  }

  /** Record `text` as installed: in place (if not already) and as the last good copy. */
  async #install(text: string, shape: ConfigShape): Promise<void> {
    const current = await readIfExists(this.settings.configFile);
    if (current !== text) await writeInPlace(this.settings.configFile, text);
    await writeFileAtomic(sideFiles(this.settings.configFile).lastGood, text, { mode: 0o644 });
    this.#installed = { text, shape };
  }

  /** At start: the config on disk is what HAProxy runs (or will run). */
  async #adoptInstalled(): Promise<void> {
    this.#loaded = true;
    const text = await readIfExists(this.settings.configFile).catch(() => undefined);
    if (text !== undefined) this.#installed = { text, shape: parseConfig(text) };
  }

  async #liveServers(): Promise<ServerState[] | undefined> {
    try {
      return await this.#api.showServersState();
    } catch (err) {
      this.#deps.log.debug("HAProxy Runtime API not readable", { error: errorMessage(err) });
      return undefined;
    }
  }

  #logWarnings(warnings: ModelWarning[]): void {
    const now = new Set<string>();
    for (const w of warnings) {
      const key = `${w.container}\u0000${w.label}\u0000${w.message}`;
      now.add(key);
      if (!this.#warned.has(key)) {
        this.#deps.log.warn(`Container "${w.container}" label ${w.label}: ${w.message}`, {
          container: w.container,
          label: w.label,
        });
      }
    }
    this.#warned = now;
  }
}

/** The renderer the settings ask for. */
export function rendererFor(settings: HaproxySettings): Renderer {
  if (settings.render) return namedRenderer(settings.render, "the render function of the config");
  if (settings.templateFile) {
    const f = settings.templateFile;
    const loc = f.startsWith("/")
      ? { dir: f.slice(0, f.lastIndexOf("/")) || "/", file: f.slice(f.lastIndexOf("/") + 1) }
      : { dir: settings.templateDir!, file: f };
    return templateRenderer(loc);
  }
  return builtinRenderer();
}
