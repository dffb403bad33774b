/**
 * The JSON of etcd's gRPC gateway (etcd 3.4+, `POST /v3/...`), parsed at the boundary: keys and
 * values are base64, 64-bit integers (revisions, lease ids) are decimal strings and stay strings
 * here (lease ids exceed 2^53), zero values are left out of answers, and errors come as
 * `{"error","message","code"}` with a gRPC status code.
 *
 * @module
 */
import { EtcdError, type EtcdErrorKind } from "./errors.ts";

/** One key as etcd returns it. */
export interface KeyValue {
  key: string;
  value: string;
  /** Lease id as a decimal string, "0" when the key has none. */
  lease: string;
  modRevision: string;
}

/** A JSON object. */
export type WireObject = Record<string, unknown>;

const enc = new TextEncoder();
const dec = new TextDecoder();

/** UTF-8 text → base64 (what the gateway wants for `key`, `value`, `range_end`). */
export function toBase64(text: string): string {
  return bytesToBase64(enc.encode(text));
}

/** Base64 from the gateway → text (invalid UTF-8 becomes U+FFFD; keys of other tools may be binary). */
export function fromBase64(b64: string): string {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return dec.decode(bytes);
}

function bytesToBase64(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

/**
 * The base64 `range_end` that selects every key starting with `prefix`: the prefix with its last
 * byte below 0xff incremented (trailing 0xff bytes dropped); `\0` (all keys) when there is none.
 *
 * @example
 * ```ts
 * import { prefixRangeEnd, toBase64 } from "./wire.ts";
 * prefixRangeEnd("/a/") === toBase64("/a0"); // true
 * ```
 */
export function prefixRangeEnd(prefix: string): string {
  const bytes = [...enc.encode(prefix)];
  while (bytes.length > 0 && bytes[bytes.length - 1] === 0xff) bytes.pop();
  if (bytes.length === 0) return "AA==";
  bytes[bytes.length - 1]! += 1;
  return bytesToBase64(new Uint8Array(bytes));
}

/** A 64-bit integer field: decimal string, "0" when absent (the gateway omits zero values). */
export function int64(o: WireObject, key: string): string {
  const v = o[key];
  if (typeof v === "string" && /^-?\d+$/.test(v)) return v;
  if (typeof v === "number" && Number.isSafeInteger(v)) return String(v);
  return "0";
}

/** `kvs` of a range answer. Throws EtcdError(protocol) naming the field when malformed. */
export function parseKvs(
  body: WireObject,
  where: { operation: string; endpoint: string },
): KeyValue[] {
  const kvs = body["kvs"];
  if (kvs === undefined) return [];
  if (!Array.isArray(kvs)) throw protocolError(where, `"kvs" is not a list`);
  return kvs.map((kv, i) => {
    if (typeof kv !== "object" || kv === null || typeof (kv as WireObject)["key"] !== "string") {
      throw protocolError(where, `"kvs[${i}].key" is missing`);
    }
    const o = kv as WireObject;
    const value = typeof o["value"] === "string" ? o["value"] : "";
    try {
      return {
        key: fromBase64(o["key"] as string),
        value: fromBase64(value),
        lease: int64(o, "lease"),
        modRevision: int64(o, "mod_revision") !== "0"
          ? int64(o, "mod_revision")
          : int64(o, "modRevision"),
      };
    } catch {
      throw protocolError(where, `"kvs[${i}]" is not base64`);
    }
  });
}

/** An EtcdError for an answer we cannot use. */
export function protocolError(
  where: { operation: string; endpoint: string },
  detail: string,
): EtcdError {
  return new EtcdError({
    kind: "protocol",
    ...where,
    detail: `unexpected answer: ${detail}`,
    fix: "reactor needs etcd 3.4 or newer (the gRPC gateway at /v3)",
  });
}

/** gRPC status code → error kind. */
function kindOf(code: number | undefined, message: string): EtcdErrorKind {
  if (/invalid auth token|user name is empty|authentication failed/.test(message)) return "auth";
  switch (code) {
    case 5:
      return "not-found";
    case 7:
      return "permission";
    case 14:
      return "unavailable";
    case 16:
      return "auth";
    default:
      return "api";
  }
}

function fixFor(kind: EtcdErrorKind, message: string): string | undefined {
  switch (kind) {
    case "auth":
      if (/user name is empty/.test(message)) {
        return "etcd has authentication enabled: set hooks.etcd.username and password";
      }
      return "check hooks.etcd.username and password";
    case "permission":
      return "grant the etcd user readwrite on the prefix (etcdctl role grant-permission --prefix=true <role> readwrite <prefix>)";
    case "unavailable":
      return "etcd has no leader or is shutting down; reactor retries";
    default:
      return undefined;
  }
}

/**
 * Turn a gateway answer into its JSON object, or throw the EtcdError it describes: an error
 * body (`{"error","code"}`, HTTP 4xx/5xx), a non-JSON answer (a 404 "Not Found" means no `/v3`
 * gateway: etcd older than 3.4).
 */
export function parseAnswer(
  status: number,
  text: string,
  where: { operation: string; endpoint: string },
): WireObject {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    if (/CommonName of client/.test(text)) {
      throw new EtcdError({
        kind: "auth",
        ...where,
        detail: `HTTP ${status} ${text.trim().slice(0, 120)}`,
        fix:
          "with authentication on, etcd's JSON gateway refuses client certificates that have a Common Name: issue reactor's certificate without one (openssl -subj /O=reactor) and log in with username and password",
      });
    }
    if (status === 404) {
      throw new EtcdError({
        kind: "protocol",
        ...where,
        detail: `HTTP 404 ${text.trim().slice(0, 80)}`,
        fix: "reactor needs etcd 3.4 or newer (the gRPC gateway at /v3)",
      });
    }
    throw protocolError(where, `HTTP ${status}, not JSON: ${JSON.stringify(text.slice(0, 120))}`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw protocolError(where, `HTTP ${status}, not a JSON object`);
  }
  let o = body as WireObject;
  // Streaming calls (lease keepalive) wrap errors as {"error": {"grpc_code", "message"}}.
  if (typeof o["error"] === "object" && o["error"] !== null) {
    const e = o["error"] as WireObject;
    o = { error: String(e["message"] ?? "error"), code: e["grpc_code"] ?? e["code"] };
  }
  const errText = typeof o["error"] === "string"
    ? o["error"]
    : typeof o["message"] === "string"
    ? o["message"]
    : undefined;
  if (errText !== undefined || status >= 400) {
    const code = typeof o["code"] === "number" ? o["code"] : undefined;
    const message = errText ?? `HTTP ${status}`;
    const kind = kindOf(code, message);
    throw new EtcdError({
      kind,
      ...where,
      detail: message,
      fix: fixFor(kind, message),
      grpcCode: code,
    });
  }
  return o;
}
