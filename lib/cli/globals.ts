/**
 * Global CLI flags shared by every command, resolved into ready-to-use objects.
 *
 * @module
 */
import { defaultStateDir } from "../engine/cursor.ts";
import type { HostConnector } from "../engine/reactor.ts";
import { type HostConfig, parseDockerSection } from "../hosts/config.ts";
import { createConnectors } from "../hosts/connector.ts";
import { UsageError } from "../errors.ts";
import {
  getLog,
  type Log,
  type LogFormat,
  type LogLevel,
  parseLogLevel,
  setupLogging,
} from "../log.ts";

/** Raw global option values as commander parses them. */
export interface GlobalFlags {
  logLevel?: string;
  logFormat?: string;
  stateDir?: string;
  host?: string;
  verbose?: boolean;
}

/** Resolved globals. */
export interface Globals {
  log: Log;
  logLevel: LogLevel;
  logFormat: LogFormat;
  stateDir: string;
  /** Explicit `-H` value, if any. */
  host?: string;
  verbose: boolean;
}

/** Validate flags, configure logging, return the resolved globals. Throws UsageError. */
export function resolveGlobals(
  flags: GlobalFlags,
  env: { get(k: string): string | undefined } = Deno.env,
): Globals {
  const logLevel = parseLogLevel(flags.logLevel ?? env.get("REACTOR_LOG_LEVEL") ?? "info");
  if (!logLevel) {
    throw new UsageError(
      `Invalid --log-level "${flags.logLevel}": use trace, debug, info, warn, error or fatal`,
    );
  }
  const fmt = flags.logFormat ?? env.get("REACTOR_LOG_FORMAT") ?? "text";
  if (fmt !== "text" && fmt !== "json") {
    throw new UsageError(`Invalid --log-format "${fmt}": use text or json`);
  }
  setupLogging({ level: logLevel, format: fmt });
  return {
    log: getLog(),
    logLevel,
    logFormat: fmt,
    stateDir: flags.stateDir ?? env.get("REACTOR_STATE_DIR") ?? defaultStateDir(env),
    host: flags.host,
    verbose: !!flags.verbose,
  };
}

/** Environment access used for host resolution (`Deno.env` or a test double). */
export interface EnvSource {
  get(k: string): string | undefined;
  toObject?(): Record<string, string>;
}

const HOST_ENV_KEYS = [
  "HOME",
  "DOCKER_HOST",
  "DOCKER_TLS",
  "DOCKER_TLS_VERIFY",
  "DOCKER_CERT_PATH",
  "DOCKER_CONTEXT",
  "DOCKER_CONFIG",
];

/** The raw `docker:` section of the loaded config and the file it came from. */
export interface DockerSection {
  readonly value: unknown;
  readonly file?: string;
}

/**
 * Every configured host (disabled ones included), from the raw `docker:` section of the config
 * (`undefined` → the seed default: `default` external + `local` managed, disabled), with
 * `REACTOR_DOCKER_HOSTS_*` overrides, and `-H`, `DOCKER_HOST` or the docker context feeding the
 * `default` host. Throws ConfigError naming the file and field.
 */
export function hostConfigs(
  g: Globals,
  docker?: DockerSection,
  env: EnvSource = Deno.env,
): HostConfig[] {
  const vars: Record<string, string> = env.toObject ? env.toObject() : {};
  if (!env.toObject) {
    for (const k of HOST_ENV_KEYS) {
      const v = env.get(k);
      if (v !== undefined) vars[k] = v;
    }
  }
  return parseDockerSection(docker?.value, {
    env: vars,
    home: vars["HOME"] ?? "/root",
    hostFlag: g.host,
    file: docker?.file,
  });
}

/**
 * Connectors for the enabled hosts. Pass the loaded config's `docker` section
 * (`LoadedConfig.docker`, `{ value, file }`) when there is one.
 */
export function hostConnectors(
  g: Globals,
  env: EnvSource = Deno.env,
  docker?: DockerSection,
): HostConnector[] {
  return createConnectors(hostConfigs(g, docker, env), { log: g.log });
}
