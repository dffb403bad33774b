/**
 * Global CLI flags shared by every command, resolved into ready-to-use objects.
 *
 * @module
 */
import { defaultStateDir } from "../engine/cursor.ts";
import type { HostConnector } from "../docker/connector.ts";
import type { HostConfig } from "../hosts/config.ts";
import { createConnectors } from "../hosts/connector.ts";
import { UsageError } from "../errors.ts";
import {
  getLog,
  type Log,
  type LogFormat,
  type LogLevel,
  parseLogLevel,
  setupLogging,
  useColor,
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
  setupLogging({ level: logLevel, format: fmt, color: fmt === "text" && useColor(env) });
  return {
    log: getLog(),
    logLevel,
    logFormat: fmt,
    stateDir: flags.stateDir ?? env.get("REACTOR_STATE_DIR") ?? defaultStateDir(env),
    host: flags.host,
    verbose: !!flags.verbose,
  };
}

/** Connectors for the enabled hosts of a loaded config. */
export function hostConnectors(
  g: Pick<Globals, "log">,
  hosts: readonly HostConfig[],
): HostConnector[] {
  return createConnectors(hosts, { log: g.log });
}
