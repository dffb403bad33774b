/**
 * Settings of the etcd publisher, from `reactor.yaml` (`hooks: { etcd: { … } }`, camelCase) or a
 * Docker Glue INI `[params]` section (`class=DockerGlue.handlers.publishers.distconfig.Publisher`,
 * snake_case, every value a string). Pure: files named here are read when the publisher starts.
 *
 * | reactor.yaml      | Glue INI       | meaning                                                    |
 * | ----------------- | -------------- | ---------------------------------------------------------- |
 * | `endpoints`       | `endpoints`    | etcd client URLs, a list (INI: comma-separated); required  |
 * | `prefix`          | `prefix`       | key prefix, default `/reactor/containers`                  |
 * | `ttl`             | `ttl`          | lease TTL, whole seconds (`30s`, `30`), default 30 s, ≥ 2 s  |
 * | `keyTemplate`     | `key_template` | default `{prefix}/{hostId}/{name}` (see `key.ts`)          |
 * | `tls.ca`          | `tls_ca`       | PEM file of the CA that signed etcd's certificate          |
 * | `tls.cert`/`.key` | `tls_cert`/`tls_key` | client certificate and key (PEM files), together     |
 * | `username`        | `username`     | etcd user (with `password`)                                |
 * | `password`        | `password`     | never logged                                               |
 *
 * @module
 */
import { parseDuration } from "../util/duration.ts";
import { DEFAULT_KEY_TEMPLATE, type KeyTemplate, parseKeyTemplate } from "./key.ts";
import {
  type Field,
  iniFields,
  isMap,
  kind,
  type Path,
  TLS_KEYS,
  yamlFields,
} from "./_settings_input.ts";

/** Validated settings. */
export interface EtcdSettings {
  /** Normalized base URLs (`https://10.0.0.2:2379`). */
  endpoints: string[];
  /** Without a trailing `/`. */
  prefix: string;
  ttlSeconds: number;
  keyTemplate: KeyTemplate;
  /** PEM file paths (absolute). */
  tls?: { ca?: string; cert?: string; key?: string };
  username?: string;
  /** Secret: never log it (use {@link redactSettings}). */
  password?: string;
}

/** Defaults of the optional settings. */
export const ETCD_DEFAULTS = {
  prefix: "/reactor/containers",
  ttlSeconds: 30,
  keyTemplate: DEFAULT_KEY_TEMPLATE,
} as const;

/** One problem: the key path relative to the settings map, and a message ending with the fix. */
export interface SettingsProblem {
  path: (string | number)[];
  message: string;
}

/** Result of {@link parseEtcdSettings}. */
export type EtcdSettingsResult =
  | { ok: true; settings: EtcdSettings; warnings: string[] }
  | { ok: false; problems: SettingsProblem[] };

/** The Glue INI `class` of the handler this hook replaces. */
export const GLUE_PUBLISHER_CLASS = "DockerGlue.handlers.publishers.distconfig.Publisher";

const MAX_TTL_S = 86_400;

/**
 * Validate settings. `format: "yaml"` (default) takes the `hooks.etcd` map of `reactor.yaml`;
 * `format: "ini"` takes the `[params]` section of a Glue INI file as strings.
 *
 * @example
 * ```ts
 * import { parseEtcdSettings } from "./settings.ts";
 * const r = parseEtcdSettings({ endpoints: ["http://127.0.0.1:2379"], ttl: "10s" });
 * if (r.ok) r.settings.ttlSeconds; // 10
 * ```
 */
export function parseEtcdSettings(
  input: unknown,
  opts: { format?: "yaml" | "ini" } = {},
): EtcdSettingsResult {
  const problems: SettingsProblem[] = [];
  const warnings: string[] = [];
  const add = (path: Path, message: string) => problems.push({ path, message });
  if (!isMap(input)) {
    add(
      [],
      `expected a map of etcd settings, got ${
        kind(input)
      } — e.g. { endpoints: [http://127.0.0.1:2379] }`,
    );
    return { ok: false, problems };
  }
  const fields = opts.format === "ini" ? iniFields(input, add, warnings) : yamlFields(input, add);

  const endpoints = parseEndpoints(fields.get("endpoints"), opts.format === "ini", add);
  const prefix = parsePrefix(fields.get("prefix"), add);
  const ttlSeconds = parseTtl(fields.get("ttl"), add);
  const keyTemplate = parseTemplateField(fields.get("keyTemplate"), add);
  const tls = parseTls(fields, add);
  const username = parseString(fields.get("username"), "the etcd user name", add);
  const password = parseString(fields.get("password"), "the password", add);

  const userF = fields.get("username"), passF = fields.get("password");
  if (username !== undefined && password === undefined && !passF) {
    add(userF!.path, `is set without a password — set password too`);
  }
  if (password !== undefined && username === undefined && !userF) {
    add(passF!.path, `is set without a username — set username too`);
  }
  if (endpoints) {
    const schemes = new Set(endpoints.map((e) => e.split(":")[0]));
    const epPath = fields.get("endpoints")!.path;
    if (schemes.size > 1) {
      add(epPath, `mixes http:// and https:// endpoints — use https:// for every member`);
    } else if (tls && schemes.has("http")) {
      add(epPath, `are plain http:// but tls is set — use https:// endpoints`);
    } else if (password !== undefined && schemes.has("http")) {
      warnings.push(
        `etcd endpoints are plain http://: the password travels in clear text — use https:// with tls.ca`,
      );
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  const settings: EtcdSettings = {
    endpoints: endpoints!,
    prefix: prefix ?? ETCD_DEFAULTS.prefix,
    ttlSeconds: ttlSeconds ?? ETCD_DEFAULTS.ttlSeconds,
    keyTemplate: keyTemplate ?? parseKeyTemplate(DEFAULT_KEY_TEMPLATE) as KeyTemplate,
  };
  if (tls) settings.tls = tls;
  if (username !== undefined) settings.username = username;
  if (password !== undefined) settings.password = password;
  return { ok: true, settings, warnings };
}

/** The settings with the password replaced, safe to log. */
export function redactSettings(s: EtcdSettings): Record<string, unknown> {
  return {
    endpoints: s.endpoints,
    prefix: s.prefix,
    ttlSeconds: s.ttlSeconds,
    keyTemplate: s.keyTemplate.source,
    tls: s.tls,
    username: s.username,
    password: s.password === undefined ? undefined : "(set)",
  };
}

function parseEndpoints(
  f: Field | undefined,
  ini: boolean,
  add: (p: Path, m: string) => void,
): string[] | undefined {
  if (!f) {
    add(
      ["endpoints"],
      ini
        ? `is required — e.g. endpoints = https://10.0.0.2:2379,https://10.0.0.3:2379`
        : `is required — e.g. endpoints: [https://10.0.0.2:2379, https://10.0.0.3:2379]`,
    );
    return undefined;
  }
  let list: unknown[];
  if (typeof f.value === "string") list = ini ? f.value.split(/[\s,]+/).filter(Boolean) : [f.value];
  else if (Array.isArray(f.value)) list = f.value;
  else {
    add(f.path, `expected a list of URLs, got ${kind(f.value)} — e.g. [https://10.0.0.2:2379]`);
    return undefined;
  }
  if (list.length === 0) {
    add(f.path, `is empty — give at least one URL, e.g. https://10.0.0.2:2379`);
    return undefined;
  }
  const out: string[] = [];
  let bad = false;
  list.forEach((raw, i) => {
    const path = ini || !Array.isArray(f.value) ? f.path : [...f.path, i];
    const r = normalizeEndpoint(raw);
    if (typeof r !== "string") {
      add(path, r.error);
      bad = true;
    } else if (out.includes(r)) {
      add(path, `${JSON.stringify(raw)} is listed twice — remove the duplicate`);
      bad = true;
    } else out.push(r);
  });
  return bad ? undefined : out;
}

/** `https://h:2379/` → `https://h:2379`; port 2379 when none is given. */
export function normalizeEndpoint(raw: unknown): string | { error: string } {
  if (typeof raw !== "string" || !raw.trim()) {
    return { error: `expected a URL, got ${kind(raw)} — e.g. https://10.0.0.2:2379` };
  }
  const s = raw.trim();
  const q = JSON.stringify(s);
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    return { error: `${q} has no scheme — write http://${s} or https://${s}` };
  }
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return { error: `${q} is not a URL — e.g. https://10.0.0.2:2379` };
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    return { error: `${q} uses ${u.protocol}// — use http:// or https://` };
  }
  if (u.username || u.password) {
    return { error: `${q} has credentials in the URL — move them to username and password` };
  }
  if ((u.pathname !== "/" && u.pathname !== "") || u.search || u.hash) {
    return { error: `${q} has a path or query — give only scheme, host and port` };
  }
  if (!u.hostname) return { error: `${q} has no host — e.g. https://10.0.0.2:2379` };
  const explicit = /^[a-z]+:\/\/(?:\[[^\]]*\]|[^/:]*):(\d+)/i.exec(s)?.[1];
  const port = u.port || explicit || "2379";
  return `${u.protocol}//${u.hostname}:${Number(port)}`;
}

function parsePrefix(f: Field | undefined, add: (p: Path, m: string) => void): string | undefined {
  if (!f) return undefined;
  if (typeof f.value !== "string" || !f.value.trim()) {
    add(f.path, `expected a non-empty string, got ${kind(f.value)} — e.g. /reactor/containers`);
    return undefined;
  }
  const p = f.value.trim().replace(/\/+$/, "");
  const q = JSON.stringify(f.value);
  if (!p) {
    add(f.path, `${q} is the whole keyspace — use a directory such as /reactor/containers`);
    return undefined;
  }
  // deno-lint-ignore no-control-regex
  if (/[\s\x00-\x1f\x7f{}]/.test(p)) {
    add(f.path, `${q} has spaces, control characters or braces — use e.g. /reactor/containers`);
    return undefined;
  }
  const segs = p.split("/");
  if (segs.slice(p.startsWith("/") ? 1 : 0).some((s) => s === "" || s === "." || s === "..")) {
    add(f.path, `${q} has an empty, "." or ".." segment — use e.g. /reactor/containers`);
    return undefined;
  }
  return p;
}

function parseTtl(f: Field | undefined, add: (p: Path, m: string) => void): number | undefined {
  if (!f) return undefined;
  const ms = parseDuration(f.value);
  if (typeof ms !== "number") {
    add(f.path, ms.error);
    return undefined;
  }
  if (ms % 1000 !== 0) {
    add(
      f.path,
      `${JSON.stringify(f.value)} is not whole seconds (etcd leases count seconds) — e.g. "30s"`,
    );
    return undefined;
  }
  const s = ms / 1000;
  if (s < 2 || s > MAX_TTL_S) {
    add(
      f.path,
      `${s}s is out of range — use 2s to 24h; keys vanish this long after reactor dies, e.g. "30s"`,
    );
    return undefined;
  }
  return s;
}

function parseTemplateField(
  f: Field | undefined,
  add: (p: Path, m: string) => void,
): KeyTemplate | undefined {
  if (!f) return undefined;
  if (typeof f.value !== "string") {
    add(f.path, `expected a string, got ${kind(f.value)} — e.g. "${DEFAULT_KEY_TEMPLATE}"`);
    return undefined;
  }
  const t = parseKeyTemplate(f.value.trim());
  if ("error" in t) {
    add(f.path, t.error);
    return undefined;
  }
  return t;
}

function parseTls(
  fields: Map<string, Field>,
  add: (p: Path, m: string) => void,
): EtcdSettings["tls"] {
  const out: NonNullable<EtcdSettings["tls"]> = {};
  for (const k of TLS_KEYS as ("ca" | "cert" | "key")[]) {
    const f = fields.get(`tls.${k}`);
    if (!f) continue;
    if (typeof f.value !== "string" || !f.value.trim()) {
      add(
        f.path,
        `expected a PEM file path, got ${kind(f.value)} — e.g. /etc/reactor/etcd-${k}.pem`,
      );
      continue;
    }
    if (!f.value.trim().startsWith("/")) {
      add(f.path, `${JSON.stringify(f.value)} is relative — write an absolute path`);
      continue;
    }
    out[k] = f.value.trim();
  }
  const cert = fields.get("tls.cert"), key = fields.get("tls.key");
  if (!!cert !== !!key) {
    add(
      (cert ?? key)!.path,
      `is set without the ${cert ? "key" : "cert"} — give both the client cert and key`,
    );
  }
  return Object.keys(out).length ? out : undefined;
}

function parseString(
  f: Field | undefined,
  what: string,
  add: (p: Path, m: string) => void,
): string | undefined {
  if (!f) return undefined;
  if (typeof f.value !== "string" || f.value === "") {
    const scalar = typeof f.value === "number" || typeof f.value === "boolean";
    // Never echo a password.
    const shown = what === "the password" ? "" : ` (YAML read ${kind(f.value)})`;
    add(
      f.path,
      `${what} must be a non-empty string — ${
        scalar ? `quote it${shown}` : "write it as a string"
      }`,
    );
    return undefined;
  }
  return f.value;
}
