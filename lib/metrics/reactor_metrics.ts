/**
 * reactor's metrics, fed by the engine's {@link Observation}s (subscribe {@link ReactorMetrics.observe}
 * to the Observer) and rendered for `/metrics`. No hook knows about metrics: container starts and
 * execs are derived from the event observations.
 *
 * @module
 */
import type { HostState, Observation } from "../engine/observer.ts";
import type { DeliveryOutcome } from "../webhook/queue.ts";
import { LabelCap, OTHER } from "./label_cap.ts";
import { type ProcessStats, readProcessStats } from "./process.ts";
import { Registry, type Samples } from "./registry.ts";

/** One configured host as the metrics and health endpoints see it. */
export interface MetricsHost {
  id: string;
  state: HostState;
  /** Disabled hosts are listed but do not make `/healthz` fail. */
  enabled: boolean;
  /** Why it is down (the last connection error). */
  error?: string;
}

/** Options for {@link ReactorMetrics}. */
export interface ReactorMetricsOptions {
  /** reactor's version, exposed as `reactor_build_info{version}`. */
  version: string;
  /** Events waiting or running in the engine's queue. */
  queueDepth: () => number;
  /** The configured hosts and their live state. */
  hosts: () => readonly MetricsHost[];
  /** Distinct (host, container name) pairs kept as labels (default 500); later ones fold. */
  maxNames?: number;
  /** Jobs waiting in webhook queues (default: not exposed). */
  webhookQueueDepth?: () => number;
  /** Clock in ms (tests). */
  now?: () => number;
  /** Where `/proc` is (tests). */
  proc?: string;
}

/** The default of {@link ReactorMetricsOptions.maxNames}. */
export const DEFAULT_MAX_NAMES = 500;

/** Result of a readiness or health check: `reason` says why not. */
export interface Verdict {
  ok: boolean;
  reason?: string;
}

function nanoToSeconds(timeNano: string): number | undefined {
  if (!/^\d+$/.test(timeNano)) return undefined;
  return Number(BigInt(timeNano) / 1000n) / 1e6;
}

/**
 * Every reactor metric in one registry.
 *
 * @example
 * ```ts
 * import { ReactorMetrics } from "./reactor_metrics.ts";
 * const m = new ReactorMetrics({ version: "0.1.0", queueDepth: () => 0, hosts: () => [] });
 * // observer.subscribe((o) => m.observe(o));
 * m.render().includes('reactor_build_info{version="0.1.0"} 1'); // true
 * ```
 */
export class ReactorMetrics {
  readonly #opts: ReactorMetricsOptions;
  readonly #now: () => number;
  readonly #registry = new Registry();
  readonly #names: LabelCap;
  readonly #states = new Map<string, HostState>();
  readonly #everUp = new Set<string>();
  readonly #cursors = new Map<string, string>();
  readonly #lastEvent = new Map<string, number>();
  #proc: ProcessStats = {};

  readonly #events;
  readonly #duplicates;
  readonly #synthetic;
  readonly #deferred;
  readonly #hookRuns;
  readonly #hookDuration;
  readonly #reconnects;
  readonly #resyncs;
  readonly #synthesized;
  readonly #starts;
  readonly #execs;
  readonly #folded;
  readonly #webhookDeliveries;
  readonly #webhookRetries;

  constructor(opts: ReactorMetricsOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
    this.#names = new LabelCap(opts.maxNames ?? DEFAULT_MAX_NAMES);
    const r = this.#registry;
    r.collected("reactor_build_info", "reactor's version; always 1.", {
      type: "gauge",
      labelNames: ["version"],
      collect: () => [[{ version: opts.version }, 1]],
    });
    this.#events = r.counter(
      "reactor_events_total",
      "Events received from a host's stream or synthesized by a resync (duplicates excluded).",
      ["host", "type", "action"],
    );
    this.#duplicates = r.counter(
      "reactor_events_duplicate_total",
      "Events dropped as replayed or doubled; no hook ran for them.",
      ["host"],
    );
    this.#synthetic = r.counter(
      "reactor_events_synthetic_total",
      "Start events synthesized by a resync for containers whose start was missed.",
      ["host"],
    );
    this.#deferred = r.counter(
      "reactor_events_deferred_total",
      "Events that could not be handled in their session and wait for a replay or resync.",
      ["host"],
    );
    this.#hookRuns = r.counter(
      "reactor_hook_runs_total",
      "Hook runs by outcome (ok, failed, timeout).",
      ["hook", "rule", "outcome"],
    );
    this.#hookDuration = r.histogram(
      "reactor_hook_duration_seconds",
      "How long hook runs took.",
      ["hook", "rule"],
    );
    r.collected("reactor_stream_connected", "1 while the host's event stream is up, else 0.", {
      type: "gauge",
      labelNames: ["host"],
      collect: () => this.#connected(),
    });
    this.#reconnects = r.counter(
      "reactor_stream_reconnects_total",
      "Broken event-stream sessions followed by a reconnect attempt.",
      ["host"],
    );
    r.collected(
      "reactor_last_event_timestamp_seconds",
      "Engine time of the newest event received from the host.",
      { type: "gauge", labelNames: ["host"], collect: () => this.#perHost(this.#lastEvent) },
    );
    this.#resyncs = r.counter(
      "reactor_resyncs_total",
      "Container re-listings after a (re)connect.",
      ["host"],
    );
    this.#synthesized = r.counter(
      "reactor_resync_synthesized_total",
      "Starts a resync synthesized because the live event was missed.",
      ["host"],
    );
    r.collected(
      "reactor_cursor_lag_seconds",
      "Now minus the host's persisted resume point (grows while idle or while a hook is slow).",
      { type: "gauge", labelNames: ["host"], collect: () => this.#lag() },
    );
    r.collected("reactor_queue_depth", "Events waiting or running in the engine's queue.", {
      type: "gauge",
      collect: () => [[{}, opts.queueDepth()]],
    });
    this.#starts = r.counter(
      "reactor_container_starts_total",
      `Container start events by container name (past the name cap: name="${OTHER}").`,
      ["host", "name"],
    );
    this.#execs = r.counter(
      "reactor_container_exec_total",
      `Execs started in containers, healthchecks included (past the name cap: name="${OTHER}").`,
      ["host", "name"],
    );
    this.#folded = r.counter(
      "reactor_container_names_folded_total",
      `Start and exec events counted under name="${OTHER}" because the name cap was reached.`,
    );
    r.collected("reactor_container_names_limit", "The container-name label cap.", {
      type: "gauge",
      collect: () => [[{}, this.#names.max]],
    });
    this.#webhookDeliveries = r.counter(
      "reactor_webhook_deliveries_total",
      "Webhook deliveries by outcome (ok, failed after retries, dropped from a full queue).",
      ["rule", "outcome"],
    );
    this.#webhookRetries = r.counter(
      "reactor_webhook_retries_total",
      "Webhook attempts after the first one.",
      ["rule"],
    );
    if (opts.webhookQueueDepth) {
      const depth = opts.webhookQueueDepth;
      r.collected("reactor_webhook_queue_depth", "Webhook deliveries waiting in queues.", {
        type: "gauge",
        collect: () => [[{}, depth()]],
      });
    }
    this.#processFamilies();
  }

  /** Take one observation (cheap, never throws on well-formed input). */
  observe(o: Observation): void {
    const host = o.hostId;
    switch (o.kind) {
      case "event": {
        if (o.duplicate) {
          this.#duplicates.inc({ host });
          return;
        }
        const ev = o.event;
        this.#events.inc({ host, type: ev.type, action: ev.action });
        if (ev.synthetic) this.#synthetic.inc({ host });
        const t = nanoToSeconds(ev.timeNano);
        if (t !== undefined && t > (this.#lastEvent.get(host) ?? 0)) this.#lastEvent.set(host, t);
        if (ev.type !== "container") return;
        // exec_create and exec_die bracket each exec; exec_start counts it once.
        const counter = ev.action === "start"
          ? this.#starts
          : ev.action === "exec_start"
          ? this.#execs
          : undefined;
        if (!counter) return;
        const raw = ev.actor.attributes["name"] || "_unknown";
        const name = this.#names.admit(raw, `${host}\0${raw}`);
        if (name === OTHER && raw !== OTHER) this.#folded.inc();
        counter.inc({ host, name });
        return;
      }
      case "hook":
        this.#hookRuns.inc({ hook: o.hook, rule: o.rule, outcome: o.outcome });
        this.#hookDuration.observe({ hook: o.hook, rule: o.rule }, o.durationMs / 1000);
        return;
      case "host":
        this.#states.set(host, o.state);
        if (o.state === "up") this.#everUp.add(host);
        return;
      case "reconnect":
        this.#reconnects.inc({ host });
        return;
      case "resync":
        this.#resyncs.inc({ host });
        this.#synthesized.inc({ host }, Math.max(0, o.synthesized));
        return;
      case "cursor":
        this.#cursors.set(host, o.timeNano);
        return;
      case "deferred":
        this.#deferred.inc({ host });
        return;
      case "webhook":
        this.observeWebhook(o);
        return;
    }
  }

  /** Count one finished webhook delivery (wire to the webhook dispatcher's `onOutcome`). */
  observeWebhook(o: DeliveryOutcome): void {
    this.#webhookDeliveries.inc({ rule: o.rule, outcome: o.outcome });
    if (o.attempts > 1) this.#webhookRetries.inc({ rule: o.rule }, o.attempts - 1);
  }

  /** The scrape body (Prometheus text format 0.0.4). */
  render(): string {
    this.#proc = readProcessStats(this.#opts.proc);
    return this.#registry.render();
  }

  /** The configured hosts (for `/healthz`). */
  hosts(): readonly MetricsHost[] {
    return this.#opts.hosts();
  }

  /**
   * Ready once every enabled host has been up at least once since start (connected and
   * resynced); stays ready when a host drops later (that is what `/healthz` reports).
   */
  readiness(): Verdict {
    for (const h of this.#opts.hosts()) {
      if (h.state === "up") this.#everUp.add(h.id);
    }
    const waiting = this.#opts.hosts().filter((h) => h.enabled && !this.#everUp.has(h.id));
    if (waiting.length === 0) return { ok: true };
    return {
      ok: false,
      reason: `waiting for the first connection to host ${
        waiting.map((h) => JSON.stringify(h.id)).join(", ")
      }`,
    };
  }

  #connected(): Samples<"host"> {
    const states = new Map(this.#states);
    for (const h of this.#opts.hosts()) states.set(h.id, h.state);
    return [...states].map(([host, state]) => [{ host }, state === "up" ? 1 : 0] as const);
  }

  #perHost(values: Map<string, number>): Samples<"host"> {
    return [...values].map(([host, v]) => [{ host }, v] as const);
  }

  #lag(): Samples<"host"> {
    const now = this.#now() / 1000;
    const out: (readonly [{ host: string }, number])[] = [];
    for (const [host, nano] of this.#cursors) {
      const t = nanoToSeconds(nano);
      if (t !== undefined) out.push([{ host }, Math.max(0, now - t)]);
    }
    return out;
  }

  #processFamilies(): void {
    const r = this.#registry;
    const one = (v: number | undefined): Samples<never> => v === undefined ? [] : [[{}, v]];
    const p = () => this.#proc;
    r.collected("process_cpu_seconds_total", "User and system CPU time spent, in seconds.", {
      type: "counter",
      collect: () => {
        const { cpuUserSeconds: u, cpuSystemSeconds: s } = p();
        return one(u === undefined || s === undefined ? undefined : u + s);
      },
    });
    r.collected("process_resident_memory_bytes", "Resident memory size in bytes.", {
      type: "gauge",
      collect: () => one(p().residentBytes),
    });
    r.collected("process_virtual_memory_bytes", "Virtual memory size in bytes.", {
      type: "gauge",
      collect: () => one(p().virtualBytes),
    });
    r.collected("process_open_fds", "Open file descriptors.", {
      type: "gauge",
      collect: () => one(p().openFds),
    });
    r.collected("process_max_fds", "Limit on open file descriptors.", {
      type: "gauge",
      collect: () => one(p().maxFds),
    });
    r.collected("process_start_time_seconds", "Start time of the process, seconds since epoch.", {
      type: "gauge",
      collect: () => one(p().startTimeSeconds),
    });
  }
}
