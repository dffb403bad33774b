/**
 * A small etcd v3 client over the gRPC JSON gateway (`POST /v3/...`, etcd 3.4+) and `fetch`:
 * put, prefix get, delete, lease grant/keepalive/revoke and authentication. Base64 and 64-bit
 * ids are handled at the boundary (`wire.ts`); callers see text and decimal-string lease ids.
 * Several endpoints fail over in turn; TLS uses `Deno.createHttpClient` with verification on.
 *
 * @module
 */
import { describeFetchError } from "../docker/client.ts";
import { ReactorError } from "../errors.ts";
import type { Log } from "../log.ts";
import { EtcdError } from "./errors.ts";
import {
  int64,
  type KeyValue,
  parseAnswer,
  parseKvs,
  prefixRangeEnd,
  protocolError,
  toBase64,
  type WireObject,
} from "./wire.ts";

export type { KeyValue } from "./wire.ts";

/** TLS material as PEM text (see {@link readEtcdTls} for files). */
export interface EtcdTls {
  /** Extra roots that verify etcd's certificate (the system roots stay trusted). */
  caCerts?: string[];
  /** Client certificate and key, for etcd's `--client-cert-auth`. */
  cert?: string;
  key?: string;
}

/** Options for {@link EtcdClient}. */
export interface EtcdClientOptions {
  /** Base URLs (`https://10.0.0.2:2379`), tried in turn. */
  endpoints: readonly string[];
  tls?: EtcdTls;
  /** etcd user; when set, requests carry a token from `/v3/auth/authenticate`. */
  username?: string;
  password?: string;
  /** Per-request timeout in ms (default 5000). */
  timeoutMs?: number;
  log?: Log;
}

/** Per-call options. */
export interface CallOptions {
  signal?: AbortSignal;
}

/** The operations the publisher needs (tests substitute a fake). */
export interface EtcdKv {
  /** The endpoint the last successful request used. */
  readonly endpoint: string;
  put(key: string, value: string, opts?: CallOptions & { lease?: string }): Promise<void>;
  getPrefix(prefix: string, opts?: CallOptions): Promise<KeyValue[]>;
  delete(key: string, opts?: CallOptions): Promise<number>;
  leaseGrant(ttlSeconds: number, opts?: CallOptions): Promise<{ id: string; ttl: number }>;
  leaseKeepAlive(id: string, opts?: CallOptions): Promise<number>;
  leaseRevoke(id: string, opts?: CallOptions): Promise<void>;
  close(): void;
}

/**
 * etcd v3 client for one cluster.
 *
 * @example
 * ```ts ignore
 * const etcd = new EtcdClient({ endpoints: ["http://127.0.0.1:2379"] });
 * const { id } = await etcd.leaseGrant(30);
 * await etcd.put("/reactor/local/web", "{}", { lease: id });
 * etcd.close();
 * ```
 */
export class EtcdClient implements EtcdKv {
  readonly #endpoints: readonly string[];
  readonly #http: Deno.HttpClient;
  readonly #username: string | undefined;
  readonly #password: string | undefined;
  readonly #timeoutMs: number;
  readonly #log: Log | undefined;
  #current = 0;
  #token: string | undefined;
  #authing: Promise<void> | undefined;

  constructor(opts: EtcdClientOptions) {
    if (opts.endpoints.length === 0) {
      throw new ReactorError(
        "Cannot create an etcd client: no endpoints — set hooks.etcd.endpoints",
      );
    }
    this.#endpoints = opts.endpoints.map((e) => e.replace(/\/+$/, ""));
    const http: Deno.CreateHttpClientOptions & Partial<Deno.TlsCertifiedKeyPem> = {};
    if (opts.tls?.caCerts?.length) http.caCerts = opts.tls.caCerts;
    if (opts.tls?.cert && opts.tls.key) {
      http.cert = opts.tls.cert;
      http.key = opts.tls.key;
    }
    this.#http = Deno.createHttpClient(http as Deno.CreateHttpClientOptions);
    this.#username = opts.username || undefined;
    this.#password = opts.password;
    this.#timeoutMs = opts.timeoutMs ?? 5000;
    this.#log = opts.log;
  }

  /** The endpoint that answered last (the first one before any request). */
  get endpoint(): string {
    return this.#endpoints[this.#current]!;
  }

  /** `PUT key=value`, attached to `lease` when given. */
  async put(
    key: string,
    value: string,
    opts: CallOptions & { lease?: string } = {},
  ): Promise<void> {
    const body: WireObject = { key: toBase64(key), value: toBase64(value) };
    if (opts.lease && opts.lease !== "0") body["lease"] = opts.lease;
    await this.#call(`put key ${JSON.stringify(key)}`, "/v3/kv/put", body, opts.signal);
  }

  /** Every key starting with `prefix`, in key order. */
  async getPrefix(prefix: string, opts: CallOptions = {}): Promise<KeyValue[]> {
    const operation = `list keys under ${JSON.stringify(prefix)}`;
    const body = { key: toBase64(prefix), range_end: prefixRangeEnd(prefix) };
    const res = await this.#call(operation, "/v3/kv/range", body, opts.signal);
    return parseKvs(res.body, { operation, endpoint: res.endpoint });
  }

  /** Delete one key; returns how many were deleted (0 when it was already gone). */
  async delete(key: string, opts: CallOptions = {}): Promise<number> {
    const operation = `delete key ${JSON.stringify(key)}`;
    const res = await this.#call(
      operation,
      "/v3/kv/deleterange",
      { key: toBase64(key) },
      opts.signal,
    );
    return Number(int64(res.body, "deleted"));
  }

  /** Grant a lease; etcd may raise a small TTL to its minimum, so use the returned `ttl`. */
  async leaseGrant(
    ttlSeconds: number,
    opts: CallOptions = {},
  ): Promise<{ id: string; ttl: number }> {
    const operation = `grant a ${ttlSeconds}s lease`;
    const res = await this.#call(operation, "/v3/lease/grant", { TTL: ttlSeconds }, opts.signal);
    const id = int64(res.body, "ID");
    const ttl = Number(int64(res.body, "TTL"));
    if (id === "0" || !(ttl > 0)) {
      throw protocolError({ operation, endpoint: res.endpoint }, `no "ID"/"TTL" in the answer`);
    }
    return { id, ttl };
  }

  /** One keepalive round: the lease's renewed TTL in seconds, 0 when the lease is gone. */
  async leaseKeepAlive(id: string, opts: CallOptions = {}): Promise<number> {
    const operation = `keep lease ${id} alive`;
    const res = await this.#call(operation, "/v3/lease/keepalive", { ID: id }, opts.signal);
    const result = res.body["result"];
    if (typeof result !== "object" || result === null) {
      throw protocolError({ operation, endpoint: res.endpoint }, `no "result" in the answer`);
    }
    return Number(int64(result as WireObject, "TTL"));
  }

  /** Revoke a lease (its keys are deleted). A lease that is already gone is not an error. */
  async leaseRevoke(id: string, opts: CallOptions = {}): Promise<void> {
    try {
      await this.#call(`revoke lease ${id}`, "/v3/lease/revoke", { ID: id }, opts.signal);
    } catch (err) {
      if (err instanceof EtcdError && err.leaseNotFound) return;
      throw err;
    }
  }

  /**
   * Get a token for `username`/`password` (done on first use and again when etcd says the
   * token is invalid). When etcd has authentication disabled, requests go without a token.
   */
  async authenticate(opts: CallOptions = {}): Promise<void> {
    if (!this.#username) return;
    this.#authing ??= this.#authenticate(opts.signal).finally(() => this.#authing = undefined);
    await this.#authing;
  }

  async #authenticate(signal?: AbortSignal): Promise<void> {
    const user = this.#username!;
    const operation = `authenticate as user ${JSON.stringify(user)}`;
    try {
      const res = await this.#failover(
        operation,
        "/v3/auth/authenticate",
        {
          name: user,
          password: this.#password ?? "",
        },
        signal,
        undefined,
      );
      const token = res.body["token"];
      if (typeof token !== "string" || !token) {
        throw protocolError({ operation, endpoint: res.endpoint }, `no "token" in the answer`);
      }
      this.#token = token;
    } catch (err) {
      if (err instanceof EtcdError && /authentication is not enabled/.test(err.detail)) {
        this.#log?.debug("etcd has authentication disabled; requests go without a token", {
          endpoint: err.endpoint,
        });
        this.#token = "";
        return;
      }
      throw err;
    }
  }

  /** One logical request: authenticate if needed, fail over, re-authenticate once on an expired token. */
  async #call(
    operation: string,
    path: string,
    body: WireObject,
    signal?: AbortSignal,
  ): Promise<{ body: WireObject; endpoint: string }> {
    if (this.#username && this.#token === undefined) await this.authenticate({ signal });
    try {
      return await this.#failover(operation, path, body, signal, this.#token);
    } catch (err) {
      if (!(err instanceof EtcdError) || !err.tokenInvalid || !this.#username) throw err;
      this.#log?.debug("etcd token expired or revoked; authenticating again", {
        endpoint: err.endpoint,
      });
      this.#token = undefined;
      await this.authenticate({ signal });
      return await this.#failover(operation, path, body, signal, this.#token);
    }
  }

  /** Try each endpoint once, starting with the one that worked last. */
  async #failover(
    operation: string,
    path: string,
    body: WireObject,
    signal: AbortSignal | undefined,
    token: string | undefined,
  ): Promise<{ body: WireObject; endpoint: string }> {
    const n = this.#endpoints.length;
    const failures: EtcdError[] = [];
    for (let i = 0; i < n; i++) {
      const idx = (this.#current + i) % n;
      const endpoint = this.#endpoints[idx]!;
      try {
        const answer = await this.#post(endpoint, operation, path, body, signal, token);
        if (idx !== this.#current) {
          this.#log?.info("etcd: switched endpoint", { from: this.endpoint, to: endpoint });
          this.#current = idx;
        }
        return { body: answer, endpoint };
      } catch (err) {
        if (!(err instanceof EtcdError) || !err.retryable || signal?.aborted) throw err;
        failures.push(err);
        if (i < n - 1) {
          this.#log?.debug("etcd endpoint failed, trying the next", {
            endpoint,
            error: err.detail,
          });
        }
      }
    }
    if (failures.length === 1) throw failures[0]!;
    throw new EtcdError({
      kind: "unavailable",
      operation,
      endpoint: `(all of ${this.#endpoints.join(", ")})`,
      detail: failures.map((f) => `${f.endpoint}: ${f.detail}`).join("; "),
      fix: "check hooks.etcd.endpoints and that etcd is running",
      cause: failures[failures.length - 1],
    });
  }

  async #post(
    endpoint: string,
    operation: string,
    path: string,
    body: WireObject,
    signal: AbortSignal | undefined,
    token: string | undefined,
  ): Promise<WireObject> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const both = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (token) headers["authorization"] = token;
    let status: number;
    let text: string;
    try {
      const res = await fetch(`${endpoint}${path}`, {
        method: "POST",
        headers,
        body: JSON.stringify(body),
        client: this.#http,
        signal: both,
      });
      status = res.status;
      text = await res.text();
    } catch (err) {
      if (signal?.aborted) throw err;
      if (timeout.aborted) {
        throw new EtcdError({
          kind: "timeout",
          operation,
          endpoint,
          detail: `no answer within ${this.#timeoutMs} ms`,
          fix: "check that etcd is running and reachable",
          cause: err,
        });
      }
      const detail = describeFetchError(err);
      throw new EtcdError({
        kind: "connect",
        operation,
        endpoint,
        detail,
        fix: /certificate|tls|handshake|issuer/i.test(detail)
          ? "check hooks.etcd.tls (the CA that signed etcd's certificate, client cert and key)"
          : "check hooks.etcd.endpoints and that etcd is running",
        cause: err,
      });
    }
    return parseAnswer(status, text, { operation, endpoint });
  }

  /** Release the HTTP client. */
  close(): void {
    this.#http.close();
  }
}

/**
 * Read TLS files (PEM) named in the settings. Throws a ReactorError naming the file and the
 * setting when one cannot be read.
 */
export async function readEtcdTls(
  files: { ca?: string; cert?: string; key?: string },
): Promise<EtcdTls> {
  const read = async (path: string, what: string) => {
    try {
      return await Deno.readTextFile(path);
    } catch (err) {
      throw new ReactorError(
        `Cannot read etcd TLS ${what} file "${path}": ${
          (err as Error).message
        } — fix hooks.etcd.tls.${what}`,
      );
    }
  };
  const tls: EtcdTls = {};
  if (files.ca) tls.caCerts = [await read(files.ca, "ca")];
  if (files.cert) tls.cert = await read(files.cert, "cert");
  if (files.key) tls.key = await read(files.key, "key");
  return tls;
}
