/**
 * The metrics endpoint: `/metrics` (Prometheus text format), `/healthz` (200 while every enabled
 * host's stream is up, else 503 with a one-line JSON reason) and `/readyz` (200 once every
 * enabled host has been up since start). Handler first ({@link metricsHandler}, testable with
 * `new Request`), socket second ({@link serveMetrics}).
 *
 * The listen address must be loopback unless the caller opts in: the endpoint has no
 * authentication and names containers and hosts.
 *
 * @module
 */
import { errorMessage, UsageError } from "../errors.ts";
import type { Log } from "../log.ts";
import { CONTENT_TYPE } from "./exposition.ts";
import type { MetricsHost, Verdict } from "./reactor_metrics.ts";

/** What the handler serves. {@link ReactorMetrics} is one. */
export interface MetricsSource {
  render(): string;
  hosts(): readonly MetricsHost[];
  readiness(): Verdict;
}

/**
 * Health of the enabled hosts: ok when all are up (also when none is enabled).
 *
 * @example
 * ```ts
 * import { hostHealth } from "./server.ts";
 * hostHealth([{ id: "edge", state: "down", enabled: true, error: "refused" }]).reason;
 * // 'host "edge" is down: refused'
 * ```
 */
export function hostHealth(hosts: readonly MetricsHost[]): Verdict {
  const bad = hosts.filter((h) => h.enabled && h.state !== "up");
  if (bad.length === 0) return { ok: true };
  const reason = bad.map((h) =>
    `host ${JSON.stringify(h.id)} is ${h.state}${h.error ? `: ${h.error}` : ""}`
  ).join("; ");
  return { ok: false, reason: reason.replace(/\s*[\r\n]+\s*/g, " ") };
}

function json(status: number, body: unknown, head: boolean): Response {
  return new Response(head ? null : JSON.stringify(body) + "\n", {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}

function verdictResponse(v: Verdict, head: boolean, extra: Record<string, unknown> = {}): Response {
  return v.ok
    ? json(200, { status: "ok", ...extra }, head)
    : json(503, { status: "unavailable", reason: v.reason ?? "unknown", ...extra }, head);
}

/**
 * The request handler. Never throws: a failing source answers 500 with a one-line message.
 *
 * @example
 * ```ts
 * import { metricsHandler } from "./server.ts";
 * const handler = metricsHandler({
 *   render: () => "up 1\n",
 *   hosts: () => [],
 *   readiness: () => ({ ok: true }),
 * });
 * const res = await handler(new Request("http://127.0.0.1/metrics"));
 * res.status; // 200
 * ```
 */
export function metricsHandler(
  source: MetricsSource,
  opts: { log?: Log } = {},
): (req: Request) => Promise<Response> {
  return (req) => {
    try {
      return Promise.resolve(route(source, req));
    } catch (err) {
      opts.log?.warn(`Cannot answer ${req.method} ${safePath(req)}: ${errorMessage(err)}`);
      return Promise.resolve(
        new Response(`Cannot answer the request: ${errorMessage(err).split("\n")[0]}\n`, {
          status: 500,
          headers: { "content-type": "text/plain; charset=utf-8" },
        }),
      );
    }
  };
}

function safePath(req: Request): string {
  try {
    return new URL(req.url).pathname.slice(0, 200);
  } catch {
    return "?";
  }
}

function route(source: MetricsSource, req: Request): Response {
  const path = new URL(req.url).pathname;
  if (!["/metrics", "/healthz", "/readyz", "/"].includes(path)) {
    return new Response("Not found: try /metrics, /healthz or /readyz\n", { status: 404 });
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    return new Response("Method not allowed: use GET\n", {
      status: 405,
      headers: { allow: "GET, HEAD" },
    });
  }
  const head = req.method === "HEAD";
  switch (path) {
    case "/metrics": {
      const body = source.render();
      return new Response(head ? null : body, {
        headers: { "content-type": CONTENT_TYPE, "cache-control": "no-store" },
      });
    }
    case "/healthz": {
      const hosts = source.hosts();
      const states = Object.fromEntries(hosts.filter((h) => h.enabled).map((h) => [h.id, h.state]));
      return verdictResponse(hostHealth(hosts), head, { hosts: states });
    }
    case "/readyz":
      return verdictResponse(source.readiness(), head);
    default:
      return new Response(
        head ? null : "reactor: /metrics (Prometheus), /healthz, /readyz\n",
        { headers: { "content-type": "text/plain; charset=utf-8" } },
      );
  }
}

/** A parsed listen address. */
export interface ListenAddress {
  hostname: string;
  port: number;
}

/**
 * True for 127.0.0.0/8, `::1` and `localhost`.
 *
 * @example
 * ```ts
 * import { isLoopback } from "./server.ts";
 * isLoopback("127.0.0.1"); // true
 * isLoopback("0.0.0.0"); // false
 * ```
 */
export function isLoopback(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * Parse `host:port` (`[::1]:9323` for IPv6; port 0 picks a free one). A non-loopback host is
 * refused unless `allowNonLoopback` is set.
 *
 * @example
 * ```ts
 * import { parseListen } from "./server.ts";
 * parseListen("127.0.0.1:9323"); // { hostname: "127.0.0.1", port: 9323 }
 * ```
 */
export function parseListen(
  listen: string,
  opts: { allowNonLoopback?: boolean } = {},
): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(listen.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    throw new UsageError(
      `Invalid metrics listen address ${
        JSON.stringify(listen)
      }: expected host:port — e.g. 127.0.0.1:9323 or [::1]:9323`,
    );
  }
  const hostname = (m[1] ?? m[2])!;
  if (!opts.allowNonLoopback && !isLoopback(hostname)) {
    throw new UsageError(
      `Refusing to serve metrics on ${
        JSON.stringify(listen)
      }: not a loopback address and the endpoint has no authentication — listen on 127.0.0.1 ` +
        `behind a proxy, or set metrics.allowNonLoopback: true`,
    );
  }
  return { hostname, port };
}

/** A running metrics server. */
export interface MetricsServer {
  /** The bound address (the real port when 0 was asked for). */
  readonly address: ListenAddress;
  /** Resolves when the server has shut down (after `signal` aborts). */
  readonly finished: Promise<void>;
}

/**
 * Serve `handler` on `listen` until `signal` aborts. Throws UsageError for a bad or
 * non-loopback address, and a one-line error when the port cannot be bound.
 *
 * @example
 * ```ts ignore
 * const ac = new AbortController();
 * const srv = await serveMetrics("127.0.0.1:9323", metricsHandler(metrics), ac.signal);
 * // … ac.abort(); await srv.finished;
 * ```
 */
export function serveMetrics(
  listen: string,
  handler: (req: Request) => Promise<Response>,
  signal: AbortSignal,
  opts: { allowNonLoopback?: boolean; log?: Log } = {},
): Promise<MetricsServer> {
  const addr = parseListen(listen, opts);
  return new Promise((resolve, reject) => {
    let server: Deno.HttpServer<Deno.NetAddr>;
    try {
      server = Deno.serve({
        hostname: addr.hostname,
        port: addr.port,
        signal,
        onListen: () => {},
        onError: (err) => {
          opts.log?.warn(`Metrics request failed: ${errorMessage(err)}`);
          return new Response("Internal error\n", { status: 500 });
        },
      }, handler);
    } catch (err) {
      reject(
        new UsageError(`Cannot serve metrics on ${listen}: ${errorMessage(err)}`, { cause: err }),
      );
      return;
    }
    const a = server.addr;
    resolve({ address: { hostname: a.hostname, port: a.port }, finished: server.finished });
  });
}
