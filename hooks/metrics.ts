/**
 * The metrics endpoint as a built-in hook (`metrics: { listen, maxNames, allowNonLoopback }` or
 * `--metrics-listen`): when the engine starts it, it subscribes a {@link ReactorMetrics} to the
 * engine's observer (events, hook outcomes of every hook, host states, reconnects, resyncs, the
 * cursor, webhook deliveries) and serves `/metrics`, `/healthz` and `/readyz` until the engine
 * stops. It reacts to no event itself. A config reload with the same address keeps the socket
 * and the counters (see {@link Handover}).
 *
 * @module
 */
import { type BuiltinHook, describeSettings } from "../lib/config/builtin.ts";
import type { Hook, HookRuntime } from "../lib/engine/hook.ts";
import { Handover } from "../lib/engine/handover.ts";
import type { Log } from "../lib/log.ts";
import { type MetricsHost, ReactorMetrics } from "../lib/metrics/reactor_metrics.ts";
import { metricsHandler, serveMetrics } from "../lib/metrics/server.ts";
import { type MetricsSettings, validateMetrics } from "../lib/metrics/settings.ts";
import { VERSION } from "../lib/version.ts";

/** What else the endpoint reads (the webhook queue lives outside the engine). */
export interface MetricsHookOptions {
  /** Deliveries waiting in webhook queues (`reactor_webhook_queue_depth`). */
  webhookQueueDepth?: () => number;
}

/** The listening endpoint: one per address and engine, handed over across reloads. */
class Endpoint {
  metrics: ReactorMetrics;
  #maxNames: number;
  #unsubscribe: () => void;
  readonly #rt: HookRuntime;
  readonly #opts: MetricsHookOptions;
  readonly #stop = new AbortController();
  #finished: Promise<void> = Promise.resolve();

  constructor(rt: HookRuntime, maxNames: number, opts: MetricsHookOptions) {
    this.#rt = rt;
    this.#opts = opts;
    this.#maxNames = maxNames;
    this.metrics = this.#make(maxNames);
    this.#unsubscribe = rt.observer.subscribe((o) => this.metrics.observe(o));
  }

  /** Apply a reload's name cap (the counters restart when it changes). */
  configure(maxNames: number, log: Log): void {
    if (maxNames === this.#maxNames) return;
    log.info("metrics.maxNames changed: the metrics restart from zero", {
      from: this.#maxNames,
      to: maxNames,
    });
    this.#maxNames = maxNames;
    this.metrics = this.#make(maxNames);
  }

  async serve(s: MetricsSettings, log: Log): Promise<string> {
    const srv = await serveMetrics(s.listen, metricsHandler(this, { log }), this.#stop.signal, {
      allowNonLoopback: s.allowNonLoopback,
      log,
    });
    this.#finished = srv.finished;
    const { hostname, port } = srv.address;
    return hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
  }

  // MetricsSource, always of the current metrics
  render(): string {
    return this.metrics.render();
  }
  hosts(): readonly MetricsHost[] {
    return this.metrics.hosts();
  }
  readiness() {
    return this.metrics.readiness();
  }

  async close(): Promise<void> {
    this.#unsubscribe();
    this.#stop.abort();
    await this.#finished;
  }

  #make(maxNames: number): ReactorMetrics {
    const engine = this.#rt.engine;
    return new ReactorMetrics({
      version: VERSION,
      maxNames,
      queueDepth: () => engine.queueDepth(),
      hosts: () =>
        engine.hosts().map((h) => ({
          id: h.id,
          state: h.state,
          enabled: true,
          ...(h.state !== "up" && h.lastError ? { error: h.lastError } : {}),
        })),
      webhookQueueDepth: this.#opts.webhookQueueDepth,
    });
  }
}

const ENDPOINTS = new Handover<Endpoint>();

/**
 * The metrics hook. `start(rt)` serves until `rt.signal` aborts or `close()`; it throws (the
 * engine logs it) when the address cannot be bound.
 */
export function metricsHook(settings: MetricsSettings, opts: MetricsHookOptions = {}): Hook {
  const self = {};
  let scope: object | undefined;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    if (!scope) return Promise.resolve();
    closing ??= Promise.all(ENDPOINTS.release(scope, self).map((e) => e.close())).then(() => {});
    return closing;
  };
  return {
    name: "metrics",
    wants: () => false,
    handle: () => Promise.resolve(),
    async start(rt: HookRuntime): Promise<void> {
      scope = rt.inventory;
      const key = `${settings.listen}\0${settings.allowNonLoopback}`;
      // Claimed synchronously: a reload starts this hook before it closes the one it replaces.
      const { value: endpoint, created } = ENDPOINTS.claim(
        scope,
        key,
        self,
        () => new Endpoint(rt, settings.maxNames, opts),
      );
      endpoint.configure(settings.maxNames, rt.log);
      rt.signal.addEventListener("abort", () => void close(), { once: true });
      if (!created) return;
      try {
        const at = await endpoint.serve(settings, rt.log);
        rt.log.info(`Serving metrics on http://${at}/metrics (also /healthz, /readyz)`);
      } catch (err) {
        await close();
        throw err;
      }
    },
    close,
  };
}

/** The built-in hook descriptor (`metrics:` at the top level, `--metrics-listen`). */
export const metrics: BuiltinHook<MetricsSettings> = {
  name: "metrics",
  path: ["metrics"],
  defaultOn: false,
  flags: [
    {
      flags: "--metrics-listen <addr>",
      description: "serve /metrics, /healthz, /readyz on host:port (loopback, e.g. 127.0.0.1:9323)",
      setting: "listen",
    },
  ],
  settings(f) {
    const r = validateMetrics(f.value);
    if ("settings" in r) return r.settings;
    for (const p of r.problems) f.problems.add([...f.path, ...p.path], p.message);
    return undefined;
  },
  describe: (s) => describeSettings(s),
  create: (s, deps) => [
    metricsHook(s, {
      webhookQueueDepth: deps.webhooks ? () => deps.webhooks!.depth : undefined,
    }),
  ],
};
