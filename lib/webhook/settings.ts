/**
 * The `webhook:` block of a rule, validated into typed settings or into problems
 * `{ path, message }` (path relative to the block; the config loader prefixes the rule's path).
 *
 * ```yaml
 * webhook:
 *   url: https://hooks.example.com/services/${SLACK_PATH}
 *   method: POST                      # POST (default), PUT, PATCH or GET (no body)
 *   headers: { Authorization: "Bearer ${NOTIFY_TOKEN}" }
 *   body: '{"text": "%%name%% on %%host%%: %%action%%"}'   # default: the event JSON
 *   timeout: 10s                      # per attempt
 *   retries: 3                        # after the first attempt
 *   ca: /etc/reactor/notify-ca.pem    # extra CA for a private endpoint (verification stays on)
 * ```
 *
 * `${NAME}` in `url` and header values comes from the environment (`$${` is a literal `${`);
 * an unset variable is a problem. Certificates are always verified; plain `http://` to a
 * non-loopback host is allowed with a warning.
 *
 * @module
 */
import { kind, suggest } from "../config/problems.ts";
import { parseDuration } from "../util/duration.ts";
import { isLoopback } from "../metrics/server.ts";
import { type BodyTemplate, compileBody, isJsonContentType, looksLikeJson } from "./render.ts";
import { redactUrl, urlSecrets } from "./redact.ts";

/** One problem in a webhook block. */
export interface WebhookProblem {
  path: (string | number)[];
  message: string;
}

/** HTTP methods a webhook may use. */
export const WEBHOOK_METHODS = ["POST", "PUT", "PATCH", "GET"] as const;
/** One of {@link WEBHOOK_METHODS}. */
export type WebhookMethod = typeof WEBHOOK_METHODS[number];
/** Keys of a webhook block. */
export const WEBHOOK_KEYS: readonly string[] = [
  "url",
  "method",
  "headers",
  "body",
  "timeout",
  "retries",
  "ca",
];
/** Default per-attempt timeout. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Default retries after the first attempt. */
export const DEFAULT_RETRIES = 3;
/** Most retries allowed. */
export const MAX_RETRIES = 10;

const FORBIDDEN_HEADERS = new Set([
  "host",
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "upgrade",
  "te",
  "trailer",
]);
/** Headers whose values are not treated as secrets. */
const PLAIN_HEADERS = new Set(["content-type", "accept", "user-agent"]);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Validated webhook settings. `url` and `headers` hold secrets: log {@link target} instead. */
export interface WebhookSettings {
  /** The expanded URL (may carry a token in its path or query). */
  readonly url: string;
  /** Origin of the URL: what logs and metrics may show. */
  readonly target: string;
  readonly method: WebhookMethod;
  /** Expanded header values by lower-case name (content-type included). */
  readonly headers: Readonly<Record<string, string>>;
  /** Body template; undefined sends the event JSON. */
  readonly body?: BodyTemplate;
  readonly timeoutMs: number;
  readonly retries: number;
  /** Path of an extra CA certificate (PEM). */
  readonly ca?: string;
  /** Every secret string (URL parts, header values), for scrubbing messages. */
  readonly secrets: readonly string[];
}

/** Looks up an environment variable. */
export type EnvLookup = (name: string) => string | undefined;

/**
 * Expand `${NAME}` (and `$${` → `${`). Returns the names that are not set instead of a value
 * when any is missing.
 *
 * @example
 * ```ts
 * import { expandEnv } from "./settings.ts";
 * expandEnv("Bearer ${T}", (n) => n === "T" ? "abc" : undefined); // { value: "Bearer abc" }
 * ```
 */
export function expandEnv(text: string, env: EnvLookup): { value: string } | { missing: string[] } {
  const missing: string[] = [];
  const value = text.replace(/\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (all, dollar, name) => {
    if (dollar) return all.slice(1);
    const v = env(name);
    if (v === undefined) missing.push(name);
    return v ?? "";
  });
  return missing.length ? { missing } : { value };
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function missingMessage(names: string[]): string {
  const list = names.map((n) => `\${${n}}`).join(", ");
  return `environment variable${names.length > 1 ? "s" : ""} ${list} ${
    names.length > 1 ? "are" : "is"
  } not set — export it in reactor's environment (e.g. the systemd unit's Environment=) or write $\${ for a literal \${`;
}

function defaultEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/**
 * Validate a webhook block. On success, `warnings` lists things that work but deserve a line in
 * the log (plain HTTP to another machine).
 *
 * @example
 * ```ts
 * import { validateWebhook } from "./settings.ts";
 * const r = validateWebhook({ url: "https://hooks.example.com/x" });
 * "settings" in r; // true
 * ```
 */
export function validateWebhook(
  raw: unknown,
  opts: { env?: EnvLookup } = {},
): { settings: WebhookSettings; warnings: WebhookProblem[] } | { problems: WebhookProblem[] } {
  const env = opts.env ?? defaultEnv;
  const problems: WebhookProblem[] = [];
  const warnings: WebhookProblem[] = [];
  const add = (path: (string | number)[], message: string) => problems.push({ path, message });
  if (!isMap(raw)) {
    return {
      problems: [{
        path: [],
        message: `expected a map like { url: https://…, body: … }, got ${kind(raw)}`,
      }],
    };
  }
  for (const k of Object.keys(raw)) {
    if (!WEBHOOK_KEYS.includes(k)) {
      add([k], `unknown key${suggest(k, WEBHOOK_KEYS)} — webhook takes ${WEBHOOK_KEYS.join(", ")}`);
    }
  }
  const secrets: string[] = [];

  let url: string | undefined;
  if (typeof raw.url !== "string" || raw.url === "") {
    add(
      ["url"],
      `expected a URL string, got ${kind(raw.url)} — e.g. url: https://hooks.example.com/notify`,
    );
  } else {
    const x = expandEnv(raw.url, env);
    if ("missing" in x) add(["url"], missingMessage(x.missing));
    else {
      let u: URL | undefined;
      try {
        u = new URL(x.value);
      } catch {
        add(["url"], `not a valid URL — write it as https://host[:port]/path`);
      }
      if (u && u.protocol !== "https:" && u.protocol !== "http:") {
        add(
          ["url"],
          `unsupported scheme "${u.protocol}" — use https:// (or http:// on a trusted network)`,
        );
      } else if (u && (u.username || u.password)) {
        add(
          ["url"],
          `credentials in the URL are not supported — send them in a header, e.g. headers: { Authorization: "Bearer \${TOKEN}" }`,
        );
      } else if (u) {
        url = x.value;
        secrets.push(...urlSecrets(url));
        const host = u.hostname.replace(/^\[|\]$/g, "");
        if (u.protocol === "http:" && !isLoopback(host)) {
          warnings.push({
            path: ["url"],
            message:
              `plain http:// to ${u.host}: event data and headers travel unencrypted — use https://`,
          });
        }
      }
    }
  }

  let method: WebhookMethod = "POST";
  if (raw.method !== undefined) {
    const m = typeof raw.method === "string" ? raw.method.toUpperCase() : "";
    if ((WEBHOOK_METHODS as readonly string[]).includes(m)) method = m as WebhookMethod;
    else add(["method"], `expected one of ${WEBHOOK_METHODS.join(", ")}, got ${kind(raw.method)}`);
  }

  const headers: Record<string, string> = {};
  if (raw.headers !== undefined) {
    if (!isMap(raw.headers)) {
      add(
        ["headers"],
        `expected a map of header: value, got ${
          kind(raw.headers)
        } — e.g. headers: { Authorization: "Bearer \${TOKEN}" }`,
      );
    } else {
      for (const [name, value] of Object.entries(raw.headers)) {
        const lower = name.toLowerCase();
        if (!TOKEN.test(name)) add(["headers", name], `not a valid HTTP header name`);
        else if (FORBIDDEN_HEADERS.has(lower)) {
          add(["headers", name], `reactor sets this header itself — remove it`);
        } else if (lower in headers) {
          add(["headers", name], `given twice (header names ignore case)`);
        } else if (typeof value !== "string") {
          add(
            ["headers", name],
            `expected a string, got ${
              typeof value === "object" ? kind(value) : typeof value
            } — quote it`,
          );
        } else {
          const x = expandEnv(value, env);
          if ("missing" in x) add(["headers", name], missingMessage(x.missing));
          else if (/[\r\n\0]/.test(x.value)) {
            add(
              ["headers", name],
              `the value contains a line break or NUL (after \${…} expansion) — remove it`,
            );
          } else {
            headers[lower] = x.value;
            if (!PLAIN_HEADERS.has(lower)) secrets.push(x.value);
          }
        }
      }
    }
  }

  let body: BodyTemplate | undefined;
  if (raw.body !== undefined) {
    if (typeof raw.body !== "string") {
      add(
        ["body"],
        `expected a template string, got ${
          kind(raw.body)
        } — e.g. body: '{"text": "%%name%% %%action%%"}'`,
      );
    } else if (method === "GET") {
      add(["body"], `a GET request has no body — use method: POST, or remove body`);
    } else {
      const ct = headers["content-type"];
      const json = ct !== undefined ? isJsonContentType(ct) : looksLikeJson(raw.body);
      const b = compileBody(raw.body, { json });
      if ("error" in b) add(["body"], b.error);
      else body = b;
    }
  }
  if (method !== "GET" && headers["content-type"] === undefined) {
    headers["content-type"] = !body || body.json ? "application/json" : "text/plain; charset=utf-8";
  }

  let timeoutMs = DEFAULT_TIMEOUT_MS;
  if (raw.timeout !== undefined) {
    const d = parseDuration(raw.timeout);
    if (typeof d !== "number") add(["timeout"], d.error);
    else if (d <= 0) add(["timeout"], `must be greater than zero — e.g. "10s"`);
    else timeoutMs = d;
  }

  let retries = DEFAULT_RETRIES;
  if (raw.retries !== undefined) {
    const r = raw.retries;
    if (typeof r !== "number" || !Number.isInteger(r) || r < 0 || r > MAX_RETRIES) {
      add(["retries"], `expected a whole number from 0 to ${MAX_RETRIES}, got ${kind(r)}`);
    } else retries = r;
  }

  let ca: string | undefined;
  if (raw.ca !== undefined) {
    if (typeof raw.ca !== "string" || !raw.ca.startsWith("/")) {
      add(["ca"], `expected an absolute path to a PEM file, got ${kind(raw.ca)}`);
    } else ca = raw.ca;
  }

  if (problems.length || url === undefined) return { problems };
  return {
    settings: {
      url,
      target: redactUrl(url),
      method,
      headers,
      body,
      timeoutMs,
      retries,
      ca,
      secrets,
    },
    warnings,
  };
}

/**
 * One safe line describing a webhook (for `reactor check` and logs): method, origin, header
 * names, body kind. Never contains a secret.
 *
 * @example
 * ```ts
 * import { describeWebhook, validateWebhook } from "./settings.ts";
 * const r = validateWebhook({ url: "https://h.example/x", headers: { "X-Key": "k" } });
 * if ("settings" in r) describeWebhook(r.settings);
 * // "POST https://h.example headers: x-key, content-type; body: event JSON"
 * ```
 */
export function describeWebhook(s: WebhookSettings): string {
  const names = Object.keys(s.headers);
  const body = s.method === "GET"
    ? "none"
    : s.body
    ? (s.body.json ? "JSON template" : "template")
    : "event JSON";
  return `${s.method} ${s.target}${
    names.length ? ` headers: ${names.join(", ")};` : ""
  } body: ${body}`;
}
