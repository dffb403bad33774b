/**
 * Webhook dispatch: one bounded in-memory queue per URL, each drained by its own worker, so a
 * dead or hung endpoint only ever delays deliveries to itself, never other rules, URLs or
 * containers. `send()` renders and enqueues and returns at once. When a queue is full the
 * oldest waiting delivery is dropped (the newest events matter most to a notification),
 * counted, and logged once per burst. Failed deliveries are logged once per burst too.
 *
 * @module
 */
import type { TemplateInput } from "../config/template.ts";
import { errorMessage } from "../errors.ts";
import type { Log } from "../log.ts";
import type { BackoffOptions } from "../util/backoff.ts";
import { BurstLog } from "./burst.ts";
import { deliver, type FetchLike } from "./deliver.ts";
import { renderBody } from "./render.ts";
import type { WebhookSettings } from "./settings.ts";

/** Outcome of one webhook delivery (feed to `ReactorMetrics.observeWebhook`). */
export interface DeliveryOutcome {
  /** Rule (or handler) name. */
  rule: string;
  /** `ok`, `failed` (after all retries or permanently), or `dropped` (queue full / shutdown). */
  outcome: "ok" | "failed" | "dropped";
  /** Attempts made (0 for a dropped delivery). */
  attempts: number;
  /** The URL's origin (never the path or query). */
  target?: string;
  /** Enqueue to outcome, in ms. */
  durationMs?: number;
  status?: number;
  /** One line, secrets scrubbed. */
  error?: string;
}

/** Options for {@link WebhookDispatcher}. */
export interface WebhookDispatcherOptions {
  log: Log;
  /** Waiting deliveries per URL (default 100). */
  capacity?: number;
  /** Retry backoff (default 1 s doubling to 30 s, full jitter). */
  backoff?: BackoffOptions;
  /** Called for every finished or dropped delivery. */
  onOutcome?: (o: DeliveryOutcome) => void;
  fetch?: FetchLike;
  /** Clock (tests). */
  now?: () => number;
}

interface Job {
  rule: string;
  settings: WebhookSettings;
  body?: string;
  enqueuedAt: number;
}

interface UrlQueue {
  readonly jobs: Job[];
  worker?: Promise<void>;
  client?: Deno.HttpClient;
  dropped: number;
}

/** Default {@link WebhookDispatcherOptions.capacity}. */
export const DEFAULT_CAPACITY = 100;

/**
 * Queues and delivers webhooks.
 *
 * @example
 * ```ts ignore
 * const hooks = new WebhookDispatcher({ log, onOutcome: (o) => metrics.observeWebhook(o) });
 * hooks.send("notify", settings, { event, container, host: { id: "edge", name: "edge" } });
 * // on shutdown:
 * await hooks.close();
 * ```
 */
export class WebhookDispatcher {
  readonly #opts: WebhookDispatcherOptions;
  readonly #capacity: number;
  readonly #now: () => number;
  readonly #queues = new Map<string, UrlQueue>();
  readonly #bursts: BurstLog;
  readonly #stop = new AbortController();
  #idleWaiters: (() => void)[] = [];

  constructor(opts: WebhookDispatcherOptions) {
    this.#opts = opts;
    this.#capacity = Math.max(1, opts.capacity ?? DEFAULT_CAPACITY);
    this.#now = opts.now ?? Date.now;
    this.#bursts = new BurstLog(opts.log, { now: this.#now });
  }

  /** Render the body for this event and enqueue it. Never throws, never waits. */
  send(rule: string, settings: WebhookSettings, input: TemplateInput): void {
    let body: string | undefined;
    try {
      body = settings.method === "GET" ? undefined : renderBody(settings.body, input);
    } catch (err) {
      this.#outcome({
        rule,
        outcome: "failed",
        attempts: 0,
        target: settings.target,
        error: errorMessage(err),
      });
      return;
    }
    this.enqueue(rule, settings, body);
  }

  /** Enqueue a rendered delivery. Never throws, never waits. */
  enqueue(rule: string, settings: WebhookSettings, body?: string): void {
    if (this.#stop.signal.aborted) {
      this.#outcome({ rule, outcome: "dropped", attempts: 0, target: settings.target });
      return;
    }
    const key = `${settings.url}\0${settings.ca ?? ""}`;
    let q = this.#queues.get(key);
    if (!q) {
      q = { jobs: [], dropped: 0 };
      this.#queues.set(key, q);
    }
    if (q.jobs.length >= this.#capacity) {
      const old = q.jobs.shift()!;
      q.dropped++;
      this.#outcome({
        rule: old.rule,
        outcome: "dropped",
        attempts: 0,
        target: old.settings.target,
        durationMs: this.#now() - old.enqueuedAt,
      });
      this.#bursts.failure(
        `drop\0${key}`,
        `Webhook queue for ${settings.target} is full (${this.#capacity}): dropping the oldest ` +
          `deliveries until it drains — the endpoint is slow or down`,
        { rule: old.rule, target: settings.target },
      );
    }
    q.jobs.push({ rule, settings, body, enqueuedAt: this.#now() });
    if (!q.worker) q.worker = this.#drain(key, q);
  }

  /** Deliveries waiting in all queues (in-flight ones excluded). */
  get depth(): number {
    let n = 0;
    for (const q of this.#queues.values()) n += q.jobs.length;
    return n;
  }

  /** Resolves when every queue is empty and no delivery is in flight. */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Stop: waiting deliveries are dropped, in-flight ones are cancelled (no further retries),
   * HTTP clients are closed.
   */
  async close(): Promise<void> {
    this.#stop.abort();
    for (const q of this.#queues.values()) {
      for (const job of q.jobs.splice(0)) {
        this.#outcome({
          rule: job.rule,
          outcome: "dropped",
          attempts: 0,
          target: job.settings.target,
        });
      }
    }
    await Promise.all([...this.#queues.values()].map((q) => q.worker));
    for (const q of this.#queues.values()) q.client?.close();
    this.#queues.clear();
  }

  #isIdle(): boolean {
    for (const q of this.#queues.values()) if (q.worker || q.jobs.length) return false;
    return true;
  }

  async #drain(key: string, q: UrlQueue): Promise<void> {
    // Start on a later tick so send() returns before any work happens.
    await Promise.resolve();
    try {
      while (q.jobs.length && !this.#stop.signal.aborted) {
        const job = q.jobs.shift()!;
        await this.#deliver(key, q, job);
      }
    } finally {
      q.worker = undefined;
      if (q.dropped && !q.jobs.length) {
        const dropped = q.dropped;
        q.dropped = 0;
        this.#bursts.success(
          `drop\0${key}`,
          () => `Webhook queue drained; ${dropped} deliveries were dropped while it was full`,
          { dropped },
        );
      }
      if (this.#isIdle()) {
        const waiters = this.#idleWaiters;
        this.#idleWaiters = [];
        for (const w of waiters) w();
      }
    }
  }

  async #deliver(key: string, q: UrlQueue, job: Job): Promise<void> {
    const s = job.settings;
    const fields = { rule: job.rule, target: s.target };
    let client: Deno.HttpClient | undefined;
    try {
      client = s.ca
        ? (q.client ??= Deno.createHttpClient({ caCerts: [await Deno.readTextFile(s.ca)] }))
        : undefined;
    } catch (err) {
      this.#finish(key, job, {
        ok: false,
        attempts: 0,
        error: `Cannot read CA file ${JSON.stringify(s.ca)} for webhook "${job.rule}": ${
          errorMessage(err)
        }`,
      });
      return;
    }
    const result = await deliver({
      url: s.url,
      method: s.method,
      headers: s.headers,
      body: job.body,
    }, {
      timeoutMs: s.timeoutMs,
      retries: s.retries,
      target: s.target,
      secrets: s.secrets,
      backoff: this.#opts.backoff ?? { baseMs: 1000, capMs: 30_000, minMs: 200 },
      signal: this.#stop.signal,
      fetch: this.#opts.fetch,
      client,
      onRetry: (error, attempt, delayMs) =>
        this.#opts.log.debug(
          `Webhook "${job.rule}" retry ${attempt} in ${delayMs} ms: ${error}`,
          fields,
        ),
    });
    this.#finish(key, job, result);
  }

  #finish(
    key: string,
    job: Job,
    r: { ok: boolean; attempts: number; status?: number; error?: string },
  ): void {
    const s = job.settings;
    const fields = { rule: job.rule, target: s.target };
    const cancelled = !r.ok && this.#stop.signal.aborted;
    this.#outcome({
      rule: job.rule,
      outcome: r.ok ? "ok" : cancelled ? "dropped" : "failed",
      attempts: r.attempts,
      target: s.target,
      durationMs: this.#now() - job.enqueuedAt,
      status: r.status,
      error: r.error,
    });
    if (r.ok) {
      this.#bursts.success(
        key,
        (n) => `Webhook "${job.rule}" to ${s.target} delivers again after ${n} failed deliveries`,
        fields,
      );
    } else if (!cancelled) {
      this.#bursts.failure(
        key,
        `Webhook "${job.rule}" failed after ${r.attempts} attempt(s): ${r.error} — later failures ` +
          `to this URL are counted (reactor_webhook_deliveries_total) until one succeeds`,
        fields,
      );
    }
  }

  #outcome(o: DeliveryOutcome): void {
    try {
      this.#opts.onOutcome?.(o);
    } catch { /* a metrics sink must not break delivery */ }
  }
}
