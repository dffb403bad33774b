/**
 * The one error type of the etcd client: what was attempted, on which endpoint, what etcd (or
 * the network) said, and how to fix it, on one line. Never carries the password.
 *
 * @module
 */
import { ReactorError } from "../errors.ts";

/**
 * What went wrong:
 * - `connect`: the endpoint could not be reached (refused, DNS, TLS handshake);
 * - `timeout`: no answer within the per-request timeout;
 * - `unavailable`: etcd answered "try another member" (gRPC code 14) or every endpoint failed;
 * - `auth`: bad user name or password, a missing or expired token;
 * - `permission`: the user may not touch that key;
 * - `not-found`: the lease does not exist (expired or revoked);
 * - `protocol`: the answer is not what the gRPC gateway of etcd 3.4+ sends;
 * - `api`: any other error etcd reported.
 */
export type EtcdErrorKind =
  | "connect"
  | "timeout"
  | "unavailable"
  | "auth"
  | "permission"
  | "not-found"
  | "protocol"
  | "api";

/** Kinds worth trying on the next endpoint (the request never reached a healthy member). */
const RETRYABLE: ReadonlySet<EtcdErrorKind> = new Set(["connect", "timeout", "unavailable"]);

/** Construction fields of {@link EtcdError}. */
export interface EtcdErrorInit {
  kind: EtcdErrorKind;
  /** What was attempted, as a verb phrase: `put key "/r/h/web"`, `grant a lease`. */
  operation: string;
  /** The endpoint URL (or several, comma-separated, when all of them failed). */
  endpoint: string;
  /** What etcd or the network said. */
  detail: string;
  /** How to fix it (appended after " — "). */
  fix?: string;
  /** gRPC status code from the gateway's error body, when there was one. */
  grpcCode?: number;
  cause?: unknown;
}

/** A failed etcd request. `message` is `Cannot <operation> on etcd <endpoint>: <detail> — <fix>`. */
export class EtcdError extends ReactorError {
  readonly kind: EtcdErrorKind;
  readonly operation: string;
  readonly endpoint: string;
  readonly detail: string;
  readonly grpcCode: number | undefined;

  constructor(init: EtcdErrorInit) {
    super(
      `Cannot ${init.operation} on etcd ${init.endpoint}: ${init.detail}${
        init.fix ? ` — ${init.fix}` : ""
      }`,
      { cause: init.cause },
    );
    this.name = "EtcdError";
    this.kind = init.kind;
    this.operation = init.operation;
    this.endpoint = init.endpoint;
    this.detail = init.detail;
    this.grpcCode = init.grpcCode;
  }

  /** True when another endpoint may succeed. */
  get retryable(): boolean {
    return RETRYABLE.has(this.kind);
  }

  /** True when the token expired or was revoked: authenticate again and retry once. */
  get tokenInvalid(): boolean {
    return this.kind === "auth" && /invalid auth token|user name is empty/.test(this.detail);
  }

  /** True when a lease named in the request no longer exists. */
  get leaseNotFound(): boolean {
    return this.kind === "not-found" && /lease not found/.test(this.detail);
  }
}
