/**
 * Typed Engine API client over `fetch`. Negotiates the API version through `/_ping`.
 *
 * @module
 */
import { DockerApiError, DockerConnectError, DockerProtocolError } from "../errors.ts";
import type { Transport } from "./endpoint.ts";
import { ndjsonLines } from "./ndjson.ts";
import {
  parseEvent,
  parseInfo,
  parseInspect,
  parseJsonExact,
  parseNetworks,
  parseSummaries,
} from "./normalize.ts";
import type {
  ContainerInfo,
  ContainerSummary,
  EngineInfo,
  EngineVersion,
  NetworkInfo,
  ReactorEvent,
} from "../reactor.d.ts";

/** Highest API version this client speaks. Newer daemons are asked for this one. */
export const MAX_API_VERSION = "1.53";
/** Lowest API version this client supports. */
export const MIN_API_VERSION = "1.40";

/** Compare dotted API versions. */
export function compareApi(a: string, b: string): number {
  const [a1 = 0, a2 = 0] = a.split(".").map(Number);
  const [b1 = 0, b2 = 0] = b.split(".").map(Number);
  return a1 !== b1 ? a1 - b1 : a2 - b2;
}

/** The version to use given the daemon's `Api-Version` header. */
export function negotiateApi(daemon: string | null): string {
  if (!daemon || !/^\d+\.\d+$/.test(daemon)) return MIN_API_VERSION;
  return compareApi(daemon, MAX_API_VERSION) > 0 ? MAX_API_VERSION : daemon;
}

/** Ping result. */
export interface PingResult {
  apiVersion: string;
  osType: string;
  experimental: boolean;
  server: string;
}

/** Options for a request. */
export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  signal?: AbortSignal;
  /** Do not prefix the path with `/v<version>`. */
  unversioned?: boolean;
}

/** Result of a non-interactive exec. */
export interface ExecOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Engine API client for one host. */
export class DockerClient {
  readonly hostId: string;
  readonly transport: Transport;
  #api: string | undefined;

  constructor(opts: { hostId: string; transport: Transport; apiVersion?: string }) {
    this.hostId = opts.hostId;
    this.transport = opts.transport;
    this.#api = opts.apiVersion;
  }

  /** The negotiated API version (after {@link negotiate}). */
  get apiVersion(): string | undefined {
    return this.#api;
  }

  /** Ping and fix the API version for subsequent requests. */
  async negotiate(signal?: AbortSignal): Promise<PingResult> {
    const p = await this.ping(signal);
    if (compareApi(p.apiVersion, MIN_API_VERSION) < 0) {
      throw new DockerProtocolError(
        `Docker host "${this.hostId}" speaks API ${p.apiVersion}; reactor needs at least ${MIN_API_VERSION} — upgrade dockerd`,
      );
    }
    this.#api = negotiateApi(p.apiVersion);
    return p;
  }

  /** `GET /_ping`. */
  async ping(signal?: AbortSignal): Promise<PingResult> {
    const res = await this.#fetch("GET", "/_ping", { unversioned: true, signal });
    await res.body?.cancel();
    if (!res.ok) await this.#fail(res, "GET", "/_ping");
    return {
      apiVersion: res.headers.get("api-version") ?? MIN_API_VERSION,
      osType: res.headers.get("ostype") ?? "",
      experimental: res.headers.get("docker-experimental") === "true",
      server: res.headers.get("server") ?? "",
    };
  }

  /** `GET /version`. */
  async version(signal?: AbortSignal): Promise<EngineVersion> {
    const v = await this.json("GET", "/version", { signal }) as Record<string, unknown>;
    const s = (k: string) => typeof v[k] === "string" ? v[k] as string : "";
    return {
      apiVersion: s("ApiVersion"),
      minApiVersion: s("MinAPIVersion"),
      version: s("Version"),
      os: s("Os"),
      arch: s("Arch"),
      kernel: s("KernelVersion"),
    };
  }

  /** `GET /info`. */
  async info(signal?: AbortSignal): Promise<EngineInfo> {
    return parseInfo(await this.json("GET", "/info", { signal }));
  }

  /** `GET /containers/json`. */
  async listContainers(
    opts: { all?: boolean; filters?: Record<string, string[]>; signal?: AbortSignal } = {},
  ): Promise<ContainerSummary[]> {
    const query: Record<string, string> = {};
    if (opts.all) query.all = "1";
    if (opts.filters) query.filters = JSON.stringify(opts.filters);
    return parseSummaries(
      await this.json("GET", "/containers/json", { query, signal: opts.signal }),
      this.hostId,
    );
  }

  /** `GET /containers/{id}/json`. Throws DockerApiError (404) when gone. */
  async inspect(id: string, signal?: AbortSignal): Promise<ContainerInfo> {
    return parseInspect(
      await this.json("GET", `/containers/${encodeURIComponent(id)}/json`, { signal }),
      this.hostId,
    );
  }

  /** `GET /networks`. */
  async networks(signal?: AbortSignal): Promise<NetworkInfo[]> {
    return parseNetworks(await this.json("GET", "/networks", { signal }));
  }

  /**
   * Non-interactive exec: create, start (read to EOF and demultiplex), then read the exit code.
   */
  async exec(
    id: string,
    cmd: readonly string[],
    opts: { env?: string[]; user?: string; workingDir?: string; signal?: AbortSignal } = {},
  ): Promise<ExecOutput> {
    const created = await this.json("POST", `/containers/${encodeURIComponent(id)}/exec`, {
      body: {
        AttachStdout: true,
        AttachStderr: true,
        AttachStdin: false,
        Tty: false,
        Cmd: cmd,
        Env: opts.env,
        User: opts.user,
        WorkingDir: opts.workingDir,
      },
      signal: opts.signal,
    }) as Record<string, unknown>;
    const execId = typeof created["Id"] === "string" ? created["Id"] : "";
    if (!execId) throw new DockerProtocolError(`Exec create on "${id}" returned no "Id"`);
    const path = `/exec/${execId}/start`;
    const res = await this.#fetch("POST", path, {
      body: { Detach: false, Tty: false },
      signal: opts.signal,
    });
    if (!res.ok) await this.#fail(res, "POST", path);
    const raw = new Uint8Array(await res.arrayBuffer());
    const { stdout, stderr } = demux(raw);
    const info = await this.json("GET", `/exec/${execId}/json`, { signal: opts.signal }) as Record<
      string,
      unknown
    >;
    return {
      exitCode: typeof info["ExitCode"] === "number" ? info["ExitCode"] : -1,
      stdout,
      stderr,
    };
  }

  /**
   * Open `GET /events` and return the stream of parsed events once the daemon answered. A line
   * that is not an event goes to `onInvalid` (and is skipped); the stream ends when the daemon
   * closes it, and throws when the connection breaks.
   */
  async events(
    opts: {
      since?: string;
      until?: string;
      filters?: Record<string, string[]>;
      signal?: AbortSignal;
      onInvalid?: (err: DockerProtocolError) => void;
    },
  ): Promise<AsyncIterable<ReactorEvent>> {
    const query: Record<string, string> = {};
    if (opts.since) query.since = opts.since;
    if (opts.until) query.until = opts.until;
    if (opts.filters) query.filters = JSON.stringify(opts.filters);
    const res = await this.#fetch("GET", "/events", { query, signal: opts.signal });
    if (!res.ok) await this.#fail(res, "GET", "/events");
    return parseEventStream(res.body!, this.hostId, opts.onInvalid, opts.signal);
  }

  /** Request and parse a JSON answer (timeNano kept exact). */
  async json(method: string, path: string, opts: RequestOptions = {}): Promise<unknown> {
    const res = await this.#fetch(method, path, opts);
    if (!res.ok) await this.#fail(res, method, path);
    const text = await res.text();
    if (!text) return null;
    try {
      return parseJsonExact(text);
    } catch {
      throw new DockerProtocolError(
        `Docker API ${method} ${path} on host "${this.hostId}" returned invalid JSON: ${
          text.slice(0, 120)
        }`,
      );
    }
  }

  /** Low-level request returning the raw Response (for streams). */
  async request(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    return await this.#fetch(method, path, opts);
  }

  async #fetch(method: string, path: string, opts: RequestOptions): Promise<Response> {
    const prefix = opts.unversioned || !this.#api ? "" : `/v${this.#api}`;
    let target = `${prefix}${path}`;
    if (opts.query) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(opts.query)) if (v !== undefined) q.set(k, String(v));
      const qs = q.toString();
      if (qs) target += `?${qs}`;
    }
    const headers: Record<string, string> = {};
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(opts.body);
    }
    try {
      const t = this.transport;
      if (t.request) return await t.request({ method, target, headers, body, signal: opts.signal });
      return await fetch(`${t.baseUrl}${target}`, {
        method,
        headers,
        body,
        client: t.client,
        signal: opts.signal,
      });
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      throw new DockerConnectError(this.transport.describe, describeFetchError(err), {
        cause: err,
      });
    }
  }

  async #fail(res: Response, method: string, path: string): Promise<never> {
    let message = res.statusText || "error";
    try {
      const text = await res.text();
      try {
        const j = JSON.parse(text);
        if (j && typeof j.message === "string") message = j.message;
        else if (text) message = text.slice(0, 200);
      } catch {
        if (text) message = text.trim().slice(0, 200);
      }
    } catch { /* body unreadable */ }
    throw new DockerApiError({ status: res.status, method, path, message, host: this.hostId });
  }

  /** Release the HTTP client. */
  close(): void {
    this.transport.close();
  }
}

/** Turn Deno's `fetch failed` into the OS reason ("No such file or directory (os error 2)"). */
export function describeFetchError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? err.cause.message : "";
  const text = cause || err.message;
  const m = /client error \([^)]*\): (.*)$/.exec(text);
  return (m?.[1] ?? text).replace(/\s+/g, " ").trim();
}

/** Split a multiplexed attach stream (8-byte headers) into stdout and stderr. */
export function demux(buf: Uint8Array): { stdout: string; stderr: string } {
  const dec = new TextDecoder();
  const out: Uint8Array[] = [], err: Uint8Array[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const stream = buf[i]!;
    const size = new DataView(buf.buffer, buf.byteOffset + i + 4, 4).getUint32(0);
    const payload = buf.subarray(i + 8, i + 8 + size);
    (stream === 2 ? err : out).push(payload);
    i += 8 + size;
  }
  const join = (parts: Uint8Array[]) => dec.decode(concat(parts));
  return { stdout: join(out), stderr: join(err) };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const r = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    r.set(p, o);
    o += p.length;
  }
  return r;
}

/** NDJSON lines of `/events` → parsed events; invalid lines are reported and skipped. */
export async function* parseEventStream(
  body: ReadableStream<Uint8Array>,
  hostId: string,
  onInvalid: (err: DockerProtocolError) => void = () => {},
  signal?: AbortSignal,
): AsyncGenerator<ReactorEvent, void, undefined> {
  for await (const line of ndjsonLines(body, signal)) {
    let ev: ReactorEvent;
    try {
      ev = parseEvent(line, hostId);
    } catch (err) {
      if (err instanceof DockerProtocolError) {
        onInvalid(err);
        continue;
      }
      throw err;
    }
    yield ev;
  }
}
