/**
 * One webhook delivery: `fetch` with a per-attempt timeout, retried with capped exponential
 * backoff and full jitter (`retry` from lib/util). 2xx is success; 4xx other than 408 and 429
 * and any redirect are permanent failures (no retry); 5xx, 408, 429, timeouts and network
 * errors are retried. Redirects are not followed, so headers never travel to another host.
 * Never throws: the result says what happened, with secrets scrubbed from the error.
 *
 * @module
 */
import { describeFetchError } from "../docker/client.ts";
import { errorMessage, ReactorError } from "../errors.ts";
import type { BackoffOptions } from "../util/backoff.ts";
import { formatDuration } from "../util/duration.ts";
import { retry } from "../util/retry.ts";
import { scrubSecrets } from "./redact.ts";

/** What is sent. */
export interface WebhookRequest {
  url: string;
  method: string;
  headers: Readonly<Record<string, string>>;
  body?: string;
}

/** `fetch`, or a stand-in in tests. */
export type FetchLike = (
  url: string,
  init: RequestInit & { client?: Deno.HttpClient },
) => Promise<Response>;

/** Options for {@link deliver}. */
export interface DeliverOptions {
  /** Per-attempt time limit (connect, headers and the error body snippet). */
  timeoutMs: number;
  /** Attempts after the first. */
  retries: number;
  /** What messages may name instead of the URL (its origin). */
  target: string;
  /** Strings to scrub from error messages (URL parts, header values). */
  secrets?: readonly string[];
  backoff?: BackoffOptions;
  /** Stops waiting and retrying (shutdown). */
  signal?: AbortSignal;
  fetch?: FetchLike;
  /** HTTP client with extra CA certificates. */
  client?: Deno.HttpClient;
  /** Called before each retry wait. */
  onRetry?: (error: string, attempt: number, delayMs: number) => void;
}

/** How a delivery ended. */
export interface DeliveryResult {
  ok: boolean;
  /** Attempts made (1 + retries used). */
  attempts: number;
  /** Last HTTP status, if an answer came. */
  status?: number;
  /** Why it failed (one line, secrets scrubbed). */
  error?: string;
}

/** A failed attempt. */
export class WebhookError extends ReactorError {
  readonly status?: number;
  /** True when another attempt may succeed. */
  readonly retryable: boolean;
  constructor(message: string, init: { status?: number; retryable: boolean }) {
    super(message);
    this.name = "WebhookError";
    this.status = init.status;
    this.retryable = init.retryable;
  }
}

/**
 * True for statuses worth another attempt: 408, 429 and 5xx.
 *
 * @example
 * ```ts
 * import { isRetryableStatus } from "./deliver.ts";
 * isRetryableStatus(503); // true
 * isRetryableStatus(404); // false
 * ```
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

async function snippet(res: Response, max = 200): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let text = "";
  try {
    while (text.length < max) {
      const { value, done } = await reader.read();
      if (done) break;
      text += dec.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return text.replace(/\s+/g, " ").trim().slice(0, max);
}

async function attempt(req: WebhookRequest, opts: DeliverOptions): Promise<number> {
  const ac = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort();
  }, opts.timeoutMs);
  const stop = () => ac.abort();
  opts.signal?.addEventListener("abort", stop, { once: true });
  const where = `${req.method} ${opts.target}`;
  try {
    const res = await (opts.fetch ?? fetch)(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      redirect: "manual",
      signal: ac.signal,
      ...(opts.client ? { client: opts.client } : {}),
    });
    if (res.status >= 200 && res.status < 300) {
      await res.body?.cancel().catch(() => {});
      return res.status;
    }
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel().catch(() => {});
      throw new WebhookError(
        `Webhook ${where} answered a redirect (HTTP ${res.status}) — use the final URL`,
        { status: res.status, retryable: false },
      );
    }
    const text = await snippet(res);
    throw new WebhookError(
      `Webhook ${where} answered HTTP ${res.status}${text ? `: ${text}` : ""}`,
      { status: res.status, retryable: isRetryableStatus(res.status) },
    );
  } catch (err) {
    if (err instanceof WebhookError) throw err;
    if (timedOut) {
      throw new WebhookError(`Webhook ${where} timed out after ${formatDuration(opts.timeoutMs)}`, {
        retryable: true,
      });
    }
    if (opts.signal?.aborted) {
      throw new WebhookError(`Webhook ${where} was cancelled (shutting down)`, {
        retryable: false,
      });
    }
    throw new WebhookError(`Cannot deliver webhook ${where}: ${describeFetchError(err)}`, {
      retryable: true,
    });
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", stop);
  }
}

/**
 * Deliver `req`, retrying as configured. Never throws.
 *
 * @example
 * ```ts ignore
 * const r = await deliver(
 *   { url, method: "POST", headers: { "content-type": "application/json" }, body: "{}" },
 *   { timeoutMs: 10_000, retries: 3, target: "https://hooks.example.com" },
 * );
 * if (!r.ok) log.warn(r.error!);
 * ```
 */
export async function deliver(req: WebhookRequest, opts: DeliverOptions): Promise<DeliveryResult> {
  let attempts = 0;
  const scrub = (s: string) => scrubSecrets(s, opts.secrets ?? [req.url]);
  try {
    const status = await retry(() => {
      attempts++;
      return attempt(req, opts);
    }, {
      retries: opts.retries,
      signal: opts.signal,
      ...opts.backoff,
      shouldRetry: (err) => err instanceof WebhookError && err.retryable,
      onRetry: (err, n, delay) => opts.onRetry?.(scrub(errorMessage(err)), n, delay),
    });
    return { ok: true, attempts, status };
  } catch (err) {
    return {
      ok: false,
      attempts,
      status: err instanceof WebhookError ? err.status : undefined,
      error: scrub(errorMessage(err)),
    };
  }
}
