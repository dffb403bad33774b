/**
 * Global CLI flags shared by every command, resolved into ready-to-use objects.
 *
 * @module
 */
import { DEFAULT_SOCKET } from "../docker/endpoint.ts";
import { endpointConnector } from "../docker/connector.ts";
import { defaultStateDir } from "../engine/cursor.ts";
import type { HostConnector } from "../engine/reactor.ts";
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

/**
 * The hosts to watch. `-H` wins, then `DOCKER_HOST`, then the default socket.
 * (Multi-host configuration replaces this with the configured hosts.)
 */
export function hostConnectors(
  g: Globals,
  env: { get(k: string): string | undefined } = Deno.env,
): HostConnector[] {
  const url = g.host ?? env.get("DOCKER_HOST") ?? DEFAULT_SOCKET;
  return [endpointConnector({ id: "default", url, log: g.log })];
}
