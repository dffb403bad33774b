/**
 * The host model (seed 004): `docker.hosts` is a map from host id to
 * `{ type: external|managed|remote, host, disabled, clienttls: {ca,cert,key}, managed: {...} }`.
 * Defaults, `${VAR}` expansion, `REACTOR_DOCKER_HOSTS_<ID>_<PARAM>` overrides and the docker
 * CLI environment (`DOCKER_HOST`, contexts) for the `default` host all live here.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import { type ClientTls, type Endpoint, parseEndpoint } from "../docker/endpoint.ts";
import { type LogLevel, parseLogLevel } from "../log.ts";
import { DockerContextError, resolveDockerCliEndpoint } from "./docker_cli.ts";
import { sshEndpointProblem } from "./ssh.ts";
import { parseDuration } from "../util/duration.ts";

/** Host types from the seed. */
export const HOST_TYPES = ["external", "managed", "remote"] as const;
/** One of {@link HOST_TYPES}. */
export type HostType = typeof HOST_TYPES[number];

/** What to do when a managed daemon from an earlier run is still alive. */
export type OnStale = "adopt" | "restart";

/** Settings of a managed (reactor-started) dockerd. */
export interface ManagedConfig {
  /** Program name (looked up in PATH) or absolute path. */
  executable: string;
  /** `NAME=value` entries, expanded. */
  env: string[];
  /** Arguments, expanded. `--host=<host>` is added unless given. */
  args: string[];
  logLevel: LogLevel;
  logPrefix: string;
  healthCheck: { intervalMs: number; retries: number };
  /** Run as this user (reactor must be root): `setpriv --reuid --regid --init-groups`. */
  user?: string;
  /** `adopt` (default): keep a live daemon whose socket answers; `restart`: stop it, start anew. */
  onStale: OnStale;
  /** SIGTERM → SIGKILL grace on stop. */
  stopTimeoutMs: number;
  /** `--pidfile` from args, if any. */
  pidfile?: string;
  /** RootlessKit `--state-dir` from env, if any. */
  rootlessStateDir?: string;
  /** Home directory of the user the daemon runs as (for HOME and `${USER_CACHE_DIR}`). */
  home: string;
}

/** One configured Docker host, validated and expanded. */
export interface HostConfig {
  id: string;
  type: HostType;
  /** The endpoint URL after expansion (`unix:///…`, `https://…`, `ssh://…`). */
  host: string;
  endpoint: Endpoint;
  disabled: boolean;
  clientTls?: ClientTls;
  managed?: ManagedConfig;
  /** Extra ssh arguments (before `--`) for `ssh://` hosts. */
  sshArgs: string[];
  /** Where `host` came from: `config`, `-H`, `DOCKER_HOST`, `context "x"`, `built-in default`. */
  source: string;
  /** Non-fatal remarks to log once (unencrypted TCP, ignored SkipTLSVerify, …). */
  warnings: string[];
}

/** Inputs for {@link parseHostsSection}. */
export interface HostsContext {
  /** Config file name used in error messages. */
  file?: string;
  /** Path prefix used in error messages (default `docker.hosts`). */
  path?: string;
  env: Record<string, string | undefined>;
  /** Home of the user running reactor (`${USER_CACHE_DIR}` = `<home>/.cache`). */
  home: string;
  /** `-H/--host` from the command line: overrides the `default` host's address. */
  hostFlag?: string;
  /** Look up a user's home directory (for `managed.user`); default reads /etc/passwd. */
  userHome?: (user: string) => string | undefined;
}

/** Prefix of the environment overrides. */
export const ENV_PREFIX = "REACTOR_DOCKER_HOSTS_";

/** The seed's default section, used when no hosts are configured. */
export function defaultHostsSection(): Record<string, unknown> {
  const base = "${USER_CACHE_DIR}/reactor-docker-host";
  return {
    default: { type: "external" },
    local: {
      type: "managed",
      host: `unix://${base}/docker.sock`,
      disabled: true,
      managed: {
        executable: "dockerd-rootless.sh",
        env: [
          `DOCKERD_ROOTLESS_ROOTLESSKIT_STATE_DIR=${base}/state-dir/`,
          `DOCKERD_ROOTLESS_ROOTLESSKIT_FLAGS=--state-dir=${base}/state-dir/`,
        ],
        args: [
          `--data-root=${base}/data-root/`,
          `--exec-root=${base}/exec-root/`,
          `--pidfile=${base}/docker.pid`,
        ],
        logLevel: "info",
        logPrefix: "DOCKER HOST: ",
        healthCheck: { interval: "1s", retries: 10 },
      },
    },
  };
}

type Kind = "string" | "bool" | "int" | "list" | "duration";
const TOP_KEYS: Record<string, Kind | "map"> = {
  type: "string",
  host: "string",
  disabled: "bool",
  clienttls: "map",
  managed: "map",
  ssh: "map",
};
const TLS_KEYS: Record<string, Kind> = { ca: "string", cert: "string", key: "string" };
const MANAGED_KEYS: Record<string, Kind | "map"> = {
  executable: "string",
  env: "list",
  args: "list",
  loglevel: "string",
  logprefix: "string",
  healthcheck: "map",
  user: "string",
  onstale: "string",
  stoptimeout: "duration",
};
const HEALTH_KEYS: Record<string, Kind> = { interval: "duration", retries: "int" };
const SSH_KEYS: Record<string, Kind> = { args: "list" };

/** Env override parameters (`REACTOR_DOCKER_HOSTS_<ID>_<PARAM>`) → path and value kind. */
const ENV_PARAMS: Array<[string, string[], Kind]> = (
  [
    ["TYPE", ["type"], "string"],
    ["HOST", ["host"], "string"],
    ["DISABLED", ["disabled"], "bool"],
    ["CLIENTTLS_CA", ["clienttls", "ca"], "string"],
    ["CLIENTTLS_CERT", ["clienttls", "cert"], "string"],
    ["CLIENTTLS_KEY", ["clienttls", "key"], "string"],
    ["MANAGED_EXECUTABLE", ["managed", "executable"], "string"],
    ["MANAGED_ENV", ["managed", "env"], "list"],
    ["MANAGED_ARGS", ["managed", "args"], "list"],
    ["MANAGED_LOGLEVEL", ["managed", "loglevel"], "string"],
    ["MANAGED_LOGPREFIX", ["managed", "logprefix"], "string"],
    ["MANAGED_HEALTHCHECK_INTERVAL", ["managed", "healthcheck", "interval"], "duration"],
    ["MANAGED_HEALTHCHECK_RETRIES", ["managed", "healthcheck", "retries"], "int"],
    ["MANAGED_USER", ["managed", "user"], "string"],
    ["MANAGED_ONSTALE", ["managed", "onstale"], "string"],
    ["MANAGED_STOPTIMEOUT", ["managed", "stoptimeout"], "duration"],
    ["SSH_ARGS", ["ssh", "args"], "list"],
  ] as Array<[string, string[], Kind]>
).sort((a, b) => b[0].length - a[0].length);

/** Upper-case env form of a host id (`my-host` → `MY_HOST`). */
export function envIdOf(id: string): string {
  return id.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

/**
 * Take the raw `docker` section of reactor.yaml (`{ hosts: {...} }`) and return its hosts.
 * An absent section or absent `hosts` key gives the seed default.
 */
export function parseDockerSection(value: unknown, ctx: HostsContext): HostConfig[] {
  if (value === undefined || value === null) return parseHostsSection(undefined, ctx);
  const where = ctx.file ? `${ctx.file}: ` : "";
  if (!isObj(value)) {
    throw new ConfigError([`${where}docker: must be a map with a "hosts" key`]);
  }
  const unknown = Object.keys(value).filter((k) => k.toLowerCase() !== "hosts");
  if (unknown.length) {
    throw new ConfigError([
      `${where}docker.${unknown[0]}: unknown key — the docker section only holds "hosts"`,
    ]);
  }
  const key = Object.keys(value).find((k) => k.toLowerCase() === "hosts");
  return parseHostsSection(key ? value[key] : undefined, ctx);
}

/**
 * Validate and expand the hosts map (`docker.hosts` in YAML, `hosts` in reactor.config.ts).
 * `undefined` gives the seed default (`default` external + `local` managed, disabled). Env
 * overrides are applied first, then the docker CLI environment feeds the `default` host when it
 * has no `host` of its own. Throws {@link ConfigError} listing every problem with its field path.
 *
 * @example
 * ```ts
 * import { parseHostsSection } from "./config.ts";
 * const hosts = parseHostsSection({ a: { type: "remote", host: "ssh://me@box" } }, {
 *   env: {},
 *   home: "/root",
 * });
 * ```
 */
export function parseHostsSection(value: unknown, ctx: HostsContext): HostConfig[] {
  const where = ctx.file ? `${ctx.file}: ` : "";
  const base = ctx.path ?? "docker.hosts";
  const problems: string[] = [];
  let raw: Record<string, unknown>;
  if (value === undefined || value === null) {
    raw = defaultHostsSection();
  } else if (!isObj(value)) {
    throw new ConfigError([
      `${where}${base}: must be a map from host id to settings (e.g. "default: {type: external}")`,
    ]);
  } else {
    raw = structuredClone(value);
  }
  // Normalise keys to lower case (the seed mixes logLevel/loglevel, healthCheck/healthcheck).
  const hosts: Record<string, Record<string, unknown>> = {};
  const origin: Record<string, string> = {};
  for (const [id, v] of Object.entries(raw)) {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(id)) {
      problems.push(
        `${where}${base}.${id}: invalid host id — use letters, digits, "-", "_" or "."`,
      );
      continue;
    }
    if (v !== null && v !== undefined && !isObj(v)) {
      problems.push(`${where}${base}.${id}: must be a map of settings (type, host, …)`);
      continue;
    }
    hosts[id] = lowerKeys(v ?? {}) as Record<string, unknown>;
  }
  // Env overrides.
  for (const [name, val] of Object.entries(ctx.env)) {
    if (!name.startsWith(ENV_PREFIX) || val === undefined) continue;
    const rest = name.slice(ENV_PREFIX.length);
    const param = ENV_PARAMS.find(([p]) => rest.endsWith(`_${p}`) && rest.length > p.length + 1);
    if (!param) {
      problems.push(
        `${name}: unknown parameter — use ${ENV_PREFIX}<ID>_<PARAM> with PARAM one of ${
          ENV_PARAMS.map(([p]) => p).sort().join(", ")
        }`,
      );
      continue;
    }
    const [p, path, kind] = param;
    const envId = rest.slice(0, rest.length - p.length - 1);
    const id = Object.keys(hosts).find((h) => envIdOf(h) === envId) ?? envId.toLowerCase();
    let converted: unknown;
    try {
      converted = convertEnv(val, kind);
    } catch (err) {
      problems.push(`${name}: ${(err as Error).message}`);
      continue;
    }
    let node = hosts[id] ??= {};
    for (const seg of path.slice(0, -1)) {
      if (!isObj(node[seg])) node[seg] = {};
      node = node[seg] as Record<string, unknown>;
    }
    node[path[path.length - 1]!] = converted;
    origin[`${id}.${path.join(".")}`] = name;
  }
  const out: HostConfig[] = [];
  for (const [id, h] of Object.entries(hosts)) {
    const hostProblems: string[] = [];
    const at = (field: string) => {
      const env = origin[`${id}.${field}`];
      return `${where}${base}.${id}.${field}${env ? ` (from ${env})` : ""}`;
    };
    const cfg = validateHost(id, h, ctx, at, hostProblems);
    problems.push(...hostProblems);
    if (cfg) out.push(cfg);
  }
  if (ctx.hostFlag && !out.some((h) => h.id === "default")) {
    const r = resolveDefault(
      { id: "default", raw: {}, ctx },
      (f) => `${where}${base}.default.${f}`,
      problems,
    );
    if (r) out.unshift(r);
  }
  if (problems.length) throw new ConfigError(problems);
  return out;
}

/** Enabled hosts only. */
export function enabledHosts(hosts: readonly HostConfig[]): HostConfig[] {
  return hosts.filter((h) => !h.disabled);
}

function validateHost(
  id: string,
  h: Record<string, unknown>,
  ctx: HostsContext,
  at: (field: string) => string,
  problems: string[],
): HostConfig | undefined {
  checkKeys(h, TOP_KEYS, at, "", problems);
  const type = getString(h, "type", at, problems) ?? "external";
  if (!(HOST_TYPES as readonly string[]).includes(type)) {
    problems.push(`${at("type")}: "${type}" is not a host type — use external, managed or remote`);
    return undefined;
  }
  const disabled = getBool(h, "disabled", at, problems) ?? false;
  const tlsRaw = getMap(h, "clienttls", at, problems);
  const managedRaw = getMap(h, "managed", at, problems);
  const sshRaw = getMap(h, "ssh", at, problems);
  if (managedRaw && type !== "managed") {
    problems.push(`${at("managed")}: only allowed with "type: managed" — remove it or change type`);
  }
  let managedUser: string | undefined;
  if (managedRaw) managedUser = getString(managedRaw, "user", (f) => at(`managed.${f}`), problems);
  const userHome = managedUser ? (ctx.userHome ?? passwdHome)(managedUser) : ctx.home;
  if (managedUser && !userHome) {
    problems.push(
      `${at("managed.user")}: user "${managedUser}" does not exist — create it or fix the name`,
    );
  }
  const vars = expansionVars(ctx.env, userHome ?? ctx.home);
  const expand = (s: string, field: string) => expandVars(s, vars, at(field), problems);

  let hostStr = getString(h, "host", at, problems);
  if (hostStr !== undefined) hostStr = expand(hostStr, "host");
  let clientTls: ClientTls | undefined;
  if (tlsRaw) {
    checkKeys(tlsRaw, TLS_KEYS, (f) => at(`clienttls.${f}`), "", problems);
    clientTls = {};
    for (const k of ["ca", "cert", "key"] as const) {
      const v = getString(tlsRaw, k, (f) => at(`clienttls.${f}`), problems);
      if (v !== undefined) clientTls[k] = expand(v, `clienttls.${k}`);
    }
    if (!!clientTls.cert !== !!clientTls.key) {
      problems.push(`${at("clienttls")}: "cert" and "key" must be given together`);
    }
  }
  const warnings: string[] = [];
  let source = "config";
  let tls = false;
  if (type === "remote" && hostStr === undefined) {
    problems.push(
      `${at("host")}: required for "type: remote" — e.g. ssh://user@host or https://host:2376`,
    );
    return undefined;
  }
  if (type === "managed" && hostStr === undefined) {
    problems.push(
      `${
        at("host")
      }: required for "type: managed" — the unix socket the daemon listens on, e.g. unix://\${USER_CACHE_DIR}/reactor-docker-host/docker.sock`,
    );
    return undefined;
  }
  if (type === "external" && (hostStr === undefined || (id === "default" && ctx.hostFlag))) {
    if (id === "default") {
      try {
        const r = resolveDockerCliEndpoint({
          env: ctx.env,
          home: ctx.home,
          hostFlag: ctx.hostFlag,
        });
        hostStr = r.host;
        source = r.source;
        tls = r.tls;
        warnings.push(...r.warnings);
        if (r.clientTls && !clientTls) clientTls = r.clientTls;
      } catch (err) {
        if (!(err instanceof DockerContextError)) throw err;
        problems.push(`${at("host")}: ${err.message}`);
        return undefined;
      }
    } else {
      hostStr = "unix:///var/run/docker.sock";
      source = "built-in default";
    }
  }
  if (clientTls && (clientTls.ca || clientTls.cert)) tls = true;
  let endpoint: Endpoint;
  try {
    endpoint = parseEndpoint(hostStr!, { tls });
  } catch (err) {
    problems.push(`${at("host")}: ${(err as Error).message}`);
    return undefined;
  }
  if (endpoint.kind === "ssh") {
    const bad = sshEndpointProblem(endpoint.url);
    if (bad) {
      problems.push(`${at("host")}: ${bad}`);
      return undefined;
    }
  }
  if (endpoint.kind === "tcp" && !endpoint.tls) {
    warnings.push(
      `Docker host "${id}" (${endpoint.url}) is plain HTTP: traffic is unencrypted and unauthenticated — use https:// with clienttls`,
    );
  }
  if (tlsRaw && !(endpoint.kind === "tcp" && endpoint.tls)) {
    problems.push(
      `${at("clienttls")}: only used with https:// (or tcp://) hosts, but host is ${endpoint.url}`,
    );
  }
  if (endpoint.kind === "tcp" && /^http:\/\//i.test(hostStr!) && tlsRaw) {
    problems.push(`${at("host")}: use https:// with clienttls (got ${hostStr})`);
  }
  let sshArgs: string[] = [];
  if (sshRaw) {
    checkKeys(sshRaw, SSH_KEYS, (f) => at(`ssh.${f}`), "", problems);
    sshArgs = (getList(sshRaw, "args", (f) => at(`ssh.${f}`), problems) ?? []).map((a) =>
      expand(a, "ssh.args")
    );
    if (endpoint.kind !== "ssh") {
      problems.push(`${at("ssh")}: only used with ssh:// hosts, but host is ${endpoint.url}`);
    }
  }
  let managed: ManagedConfig | undefined;
  if (type === "managed") {
    if (endpoint.kind !== "unix") {
      problems.push(
        `${
          at("host")
        }: a managed host listens on a unix socket — use unix:///path/docker.sock (got ${endpoint.url})`,
      );
      return undefined;
    }
    managed = validateManaged(id, managedRaw ?? {}, at, expand, problems, userHome ?? ctx.home);
    if (managed) {
      managed.user = managedUser;
      const hasHost = managed.args.some((a) =>
        a === "-H" || a === "--host" || a.startsWith("--host=") || a.startsWith("-H=")
      );
      if (!hasHost) managed.args.push(`--host=${endpoint.url}`);
    }
  }
  return {
    id,
    type: type as HostType,
    host: endpoint.url,
    endpoint,
    disabled,
    clientTls,
    managed,
    sshArgs,
    source,
    warnings,
  };
}

function resolveDefault(
  init: { id: string; raw: Record<string, unknown>; ctx: HostsContext },
  at: (field: string) => string,
  problems: string[],
): HostConfig | undefined {
  return validateHost(init.id, { type: "external" }, init.ctx, at, problems);
}

function validateManaged(
  id: string,
  m: Record<string, unknown>,
  hostAt: (field: string) => string,
  expand: (s: string, field: string) => string,
  problems: string[],
  home: string,
): ManagedConfig | undefined {
  const at = (f: string) => hostAt(`managed.${f}`);
  checkKeys(m, MANAGED_KEYS, at, "", problems);
  const executable = getString(m, "executable", at, problems) ?? "dockerd-rootless.sh";
  const env = (getList(m, "env", at, problems) ?? []).map((e, i) => {
    const v = expand(e, `managed.env[${i}]`);
    if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(v)) {
      problems.push(`${at(`env[${i}]`)}: "${e}" is not NAME=value`);
    }
    return v;
  });
  const args = (getList(m, "args", at, problems) ?? []).map((a, i) =>
    expand(a, `managed.args[${i}]`)
  );
  const lvlRaw = getString(m, "loglevel", at, problems) ?? "info";
  const logLevel = parseLogLevel(lvlRaw);
  if (!logLevel) {
    problems.push(
      `${at("logLevel")}: "${lvlRaw}" is not a log level — use debug, info, warning or error`,
    );
  }
  const logPrefix = getString(m, "logprefix", at, problems) ?? `[${id}] `;
  const hc = getMap(m, "healthcheck", at, problems) ?? {};
  checkKeys(hc, HEALTH_KEYS, (f) => at(`healthCheck.${f}`), "", problems);
  const intervalMs = getDuration(hc, "interval", (f) => at(`healthCheck.${f}`), problems) ?? 1000;
  const retries = getInt(hc, "retries", (f) => at(`healthCheck.${f}`), problems) ?? 10;
  if (retries < 1) problems.push(`${at("healthCheck.retries")}: must be at least 1`);
  if (intervalMs <= 0) problems.push(`${at("healthCheck.interval")}: must be positive`);
  const onStale = getString(m, "onstale", at, problems) ?? "adopt";
  if (onStale !== "adopt" && onStale !== "restart") {
    problems.push(`${at("onStale")}: "${onStale}" — use adopt or restart`);
  }
  const stopTimeoutMs = getDuration(m, "stoptimeout", at, problems) ?? 15_000;
  if (!logLevel) return undefined;
  return {
    executable,
    env,
    args,
    logLevel,
    logPrefix,
    healthCheck: { intervalMs, retries },
    onStale: onStale as OnStale,
    stopTimeoutMs,
    pidfile: flagValue(args, ["--pidfile", "-p"]),
    rootlessStateDir: rootlessStateDir(env),
    home,
  };
}

/** `--flag=value` or `--flag value` from an argv. */
export function flagValue(args: readonly string[], names: readonly string[]): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    for (const n of names) {
      if (a === n && i + 1 < args.length) found = args[i + 1];
      else if (a.startsWith(`${n}=`)) found = a.slice(n.length + 1);
    }
  }
  return found;
}

function rootlessStateDir(env: readonly string[]): string | undefined {
  let dir: string | undefined;
  for (const e of env) {
    const eq = e.indexOf("=");
    const k = e.slice(0, eq), v = e.slice(eq + 1);
    if (k === "DOCKERD_ROOTLESS_ROOTLESSKIT_STATE_DIR" && v && !dir) dir = v;
    if (k === "DOCKERD_ROOTLESS_ROOTLESSKIT_FLAGS") {
      const f = flagValue(v.split(/\s+/).filter(Boolean), ["--state-dir"]);
      if (f) dir = f;
    }
  }
  return dir?.replace(/\/+$/, "") || undefined;
}

/** Variables usable as `${NAME}`: the environment plus `USER_CACHE_DIR` and `HOME`. */
export function expansionVars(
  env: Record<string, string | undefined>,
  home: string,
): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) vars[k] = v;
  vars["HOME"] = home;
  vars["USER_CACHE_DIR"] = `${home.replace(/\/+$/, "")}/.cache`;
  return vars;
}

/** Replace `${NAME}`; an unknown name is a problem (never silently empty). */
export function expandVars(
  s: string,
  vars: Record<string, string>,
  where: string,
  problems: string[],
): string {
  return s.replace(/\$\{([^}]*)\}/g, (m, name: string) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      problems.push(`${where}: "${m}" is not a valid variable reference — use \${NAME}`);
      return m;
    }
    const v = vars[name];
    if (v === undefined) {
      problems.push(
        `${where}: \${${name}} is not set — set ${name} in reactor's environment or write the value`,
      );
      return m;
    }
    return v;
  });
}

function convertEnv(val: string, kind: Kind): unknown {
  switch (kind) {
    case "bool": {
      const v = val.trim().toLowerCase();
      if (["true", "1", "yes", "on"].includes(v)) return true;
      if (["false", "0", "no", "off", ""].includes(v)) return false;
      throw new Error(`"${val}" is not a boolean — use true or false`);
    }
    case "int": {
      if (!/^\s*\d+\s*$/.test(val)) throw new Error(`"${val}" is not a whole number`);
      return Number(val);
    }
    case "list": {
      const t = val.trim();
      if (t.startsWith("[")) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(t);
        } catch {
          throw new Error(`"${val}" is not a JSON array of strings — e.g. ["A=1","B=2"]`);
        }
        if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === "string")) {
          throw new Error(`"${val}" is not a JSON array of strings`);
        }
        return parsed;
      }
      return t.split(/\s+/).filter(Boolean);
    }
    default:
      return val;
  }
}

function lowerKeys(v: unknown): unknown {
  if (!isObj(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k.toLowerCase()] = lowerKeys(x);
  return out;
}

function checkKeys(
  m: Record<string, unknown>,
  known: Record<string, unknown>,
  at: (f: string) => string,
  _prefix: string,
  problems: string[],
): void {
  for (const k of Object.keys(m)) {
    if (!(k in known)) {
      problems.push(`${at(k)}: unknown setting — known: ${Object.keys(known).join(", ")}`);
    }
  }
}

function getString(
  m: Record<string, unknown>,
  k: string,
  at: (f: string) => string,
  problems: string[],
): string | undefined {
  const v = m[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") {
    problems.push(`${at(k)}: must be a string (got ${JSON.stringify(v)})`);
    return undefined;
  }
  return v;
}

function getBool(
  m: Record<string, unknown>,
  k: string,
  at: (f: string) => string,
  problems: string[],
): boolean | undefined {
  const v = m[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") {
    problems.push(`${at(k)}: must be true or false (got ${JSON.stringify(v)})`);
    return undefined;
  }
  return v;
}

function getInt(
  m: Record<string, unknown>,
  k: string,
  at: (f: string) => string,
  problems: string[],
): number | undefined {
  const v = m[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v)) {
    problems.push(`${at(k)}: must be a whole number (got ${JSON.stringify(v)})`);
    return undefined;
  }
  return v;
}

function getDuration(
  m: Record<string, unknown>,
  k: string,
  at: (f: string) => string,
  problems: string[],
): number | undefined {
  const v = m[k];
  if (v === undefined || v === null) return undefined;
  const d = parseDuration(v);
  if (typeof d !== "number") {
    problems.push(`${at(k)}: ${d.error}`);
    return undefined;
  }
  return d;
}

function getList(
  m: Record<string, unknown>,
  k: string,
  at: (f: string) => string,
  problems: string[],
): string[] | undefined {
  const v = m[k];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) {
    problems.push(`${at(k)}: must be a list of strings`);
    return undefined;
  }
  return [...v];
}

function getMap(
  m: Record<string, unknown>,
  k: string,
  at: (f: string) => string,
  problems: string[],
): Record<string, unknown> | undefined {
  const v = m[k];
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) {
    problems.push(`${at(k)}: must be a map`);
    return undefined;
  }
  return v;
}

/** Home directory of `user` from /etc/passwd. */
export function passwdHome(user: string): string | undefined {
  try {
    for (const line of Deno.readTextFileSync("/etc/passwd").split("\n")) {
      const f = line.split(":");
      if (f[0] === user && f[5]) return f[5];
    }
  } catch { /* unreadable */ }
  return undefined;
}

/** uid, gid and home of `user` from /etc/passwd. */
export function passwdEntry(user: string): { uid: number; gid: number; home: string } | undefined {
  try {
    for (const line of Deno.readTextFileSync("/etc/passwd").split("\n")) {
      const f = line.split(":");
      if (f[0] === user) return { uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? "/" };
    }
  } catch { /* unreadable */ }
  return undefined;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
