/**
 * The embedded default used when no config file exists: label networking, then per-container
 * scripts (the engine runs a container's hooks in this order).
 *
 * @module
 */
import type { Hook } from "../lib/engine/hook.ts";
import type { Run } from "../lib/exec/run.ts";
import { HostRoutesStore } from "../lib/net/host_routes_store.ts";
import { type HostRoutePolicy, parseHostRoutePolicy } from "../lib/net/host_route_policy.ts";
import { DEFAULT_LABEL_PREFIX, labelsHook } from "./labels.ts";
import { DEFAULT_SCRIPTS_DIR, scriptsHook } from "./scripts.ts";

/** Options for {@link defaultHooks}. */
export interface DefaultHooksOptions {
  /** reactor's state directory (host routes are recorded under `<stateDir>/labels/`). */
  stateDir: string;
  /** Default `/etc/reactor/scripts`. */
  scriptsDir?: string;
  /** Default `docker-events.`. */
  labelPrefix?: string;
  /** `allow` (default), `deny`, `label:<key>=<value>`, or a parsed policy. */
  hostRoutes?: string | HostRoutePolicy;
  /**
   * Kept for the contract (`defaultHooks({…, exec})`); hooks use the engine's `ctx.exec`, which
   * is the same function.
   */
  exec?: Run;
  /** Script timeout in ms (default 60 000). */
  scriptTimeoutMs?: number;
  /** Run scripts even when the directory is writable by non-root users. */
  insecureScripts?: boolean;
}

/** The hooks of the embedded default: `[labels, scripts]`. */
export function defaultHooks(opts: DefaultHooksOptions): Hook[] {
  const hostRoutes = typeof opts.hostRoutes === "string"
    ? parseHostRoutePolicy(opts.hostRoutes)
    : opts.hostRoutes ?? { kind: "allow" as const };
  return [
    labelsHook({
      labelPrefix: opts.labelPrefix ?? DEFAULT_LABEL_PREFIX,
      hostRoutes,
      store: new HostRoutesStore(opts.stateDir),
    }),
    scriptsHook({
      scriptsDir: opts.scriptsDir ?? DEFAULT_SCRIPTS_DIR,
      timeoutMs: opts.scriptTimeoutMs,
      insecure: opts.insecureScripts,
    }),
  ];
}
