/**
 * The host model (seed 004): `docker.hosts` is a map from host id to
 * `{ type: external|managed|remote, host, disabled, clienttls: {ca,cert,key}, managed: {...} }`.
 * Defaults, `${VAR}` expansion, `REACTOR_DOCKER_HOSTS_<ID>_<PARAM>` overrides and the docker
 * CLI environment (`DOCKER_HOST`, contexts) for the `default` host all live here.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import type { ClientTls, Endpoint } from "../docker/endpoint.ts";
import type { LogLevel } from "../log.ts";
import { Fields } from "../config/fields.ts";
import { type FieldPath, isMap, Problems } from "../config/problems.ts";
import { applyEnvOverrides, ENV_PREFIX, envIdOf } from "./env_overrides.ts";
import { validateHost } from "./validate_host.ts";

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

/** Where the hosts section sits in a config file. */
export const HOSTS_PATH: FieldPath = ["docker", "hosts"];

/**
 * Validate the raw `docker` section (`{ hosts: {...} }`; absent → the seed default) into hosts,
 * reporting every problem to `p` at its field. Env overrides and `-H` are applied here, and
 * problems with their values name the variable or the flag.
 */
export function validateDockerSection(
  p: Problems,
  value: unknown,
  ctx: HostsContext,
): HostConfig[] {
  if (value === undefined || value === null) return validateHosts(p, undefined, ctx);
  const f = Fields.of(p, ["docker"], value, 'a map with a "hosts" key', { caseInsensitive: true });
  if (!f) return [];
  f.only(["hosts"], "the docker section");
  return validateHosts(p, f.raw("hosts"), ctx);
}

/**
 * Validate the hosts map (`docker.hosts` in YAML, `hosts` in reactor.config.ts). `undefined`
 * gives the seed default (`default` external + `local` managed, disabled). Env overrides are
 * applied first, then the docker CLI environment (or `-H`) feeds the `default` host when it has no
 * `host` of its own.
 */
export function validateHosts(p: Problems, value: unknown, ctx: HostsContext): HostConfig[] {
  let raw: Record<string, unknown>;
  if (value === undefined || value === null) raw = defaultHostsSection();
  else if (!isMap(value)) {
    p.add(HOSTS_PATH, `must be a map from host id to settings — e.g. "default: {type: external}"`);
    return [];
  } else raw = structuredClone(value);
  const hosts: Record<string, Record<string, unknown>> = {};
  for (const [id, v] of Object.entries(raw)) {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(id)) {
      p.add([...HOSTS_PATH, id], `invalid host id — use letters, digits, "-", "_" or "."`, {
        key: true,
      });
      continue;
    }
    if (v !== null && v !== undefined && !isMap(v)) {
      p.add([...HOSTS_PATH, id], `must be a map of settings (type, host, …)`);
      continue;
    }
    hosts[id] = (v ?? {}) as Record<string, unknown>;
  }
  applyEnvOverrides(hosts, ctx.env, HOSTS_PATH, p);
  const added = !!ctx.hostFlag && !hosts["default"];
  if (ctx.hostFlag) {
    const d = hosts["default"] ??= { type: "external" };
    const type = Object.entries(d).find(([k]) => k.toLowerCase() === "type")?.[1];
    if (type === undefined || type === "external") {
      p.origin([...HOSTS_PATH, "default", "host"], "-H");
    }
  }
  const builtIn = value === undefined || value === null;
  const out: HostConfig[] = [];
  for (const [id, h] of Object.entries(hosts)) {
    const cfg = validateHost(
      id,
      new Fields(p, [...HOSTS_PATH, id], h, { caseInsensitive: true }),
      ctx,
    );
    if (!cfg) continue;
    if (cfg.source === "config") {
      // `host` as written in a file, unless an override or the built-in section gave it
      const env = `${ENV_PREFIX}${envIdOf(id)}_HOST`;
      if (ctx.env[env] !== undefined) cfg.source = env;
      else if (builtIn) cfg.source = "built-in default";
    }
    out.push(cfg);
  }
  // a default host made for `-H` comes first, as without a config
  const d = out.findIndex((h) => h.id === "default");
  if (added && d > 0) out.unshift(...out.splice(d, 1));
  return out;
}

/** `validateDockerSection` for one file, throwing {@link ConfigError} with every problem. */
export function parseDockerSection(value: unknown, ctx: HostsContext): HostConfig[] {
  const p = new Problems(() => ctx.file ?? "");
  const hosts = validateDockerSection(p, value, ctx);
  if (p.count) throw new ConfigError(p.list);
  return hosts;
}

/** `validateHosts` for one file, throwing {@link ConfigError} with every problem. */
export function parseHostsSection(value: unknown, ctx: HostsContext): HostConfig[] {
  const p = new Problems(() => ctx.file ?? "");
  const hosts = validateHosts(p, value, ctx);
  if (p.count) throw new ConfigError(p.list);
  return hosts;
}

/** Enabled hosts only. */
export function enabledHosts(hosts: readonly HostConfig[]): HostConfig[] {
  return hosts.filter((h) => !h.disabled);
}
