/**
 * The `metrics:` config block (`--metrics-listen` overrides `listen`), validated into settings or
 * problems `{ path, message }` relative to the block.
 *
 * ```yaml
 * metrics:
 *   listen: 127.0.0.1:9323
 *   maxNames: 500            # container-name label cap
 *   allowNonLoopback: false  # the endpoint has no authentication
 * ```
 *
 * @module
 */
import { kind, suggest } from "../config/problems.ts";
import { errorMessage } from "../errors.ts";
import { DEFAULT_MAX_NAMES } from "./reactor_metrics.ts";
import { parseListen } from "./server.ts";

/** Validated metrics settings. */
export interface MetricsSettings {
  /** `host:port`, checked by {@link parseListen}. */
  listen: string;
  maxNames: number;
  allowNonLoopback: boolean;
}

/** Keys of the `metrics:` block. */
export const METRICS_KEYS: readonly string[] = ["listen", "maxNames", "allowNonLoopback"];

/**
 * Validate the `metrics:` block.
 *
 * @example
 * ```ts
 * import { validateMetrics } from "./settings.ts";
 * validateMetrics({ listen: "127.0.0.1:9323" });
 * // { settings: { listen: "127.0.0.1:9323", maxNames: 500, allowNonLoopback: false } }
 * ```
 */
export function validateMetrics(
  raw: unknown,
): { settings: MetricsSettings } | { problems: { path: string[]; message: string }[] } {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return {
      problems: [{
        path: [],
        message: `expected a map like { listen: "127.0.0.1:9323" }, got ${kind(raw)}`,
      }],
    };
  }
  const v = raw as Record<string, unknown>;
  const problems: { path: string[]; message: string }[] = [];
  for (const k of Object.keys(v)) {
    if (!METRICS_KEYS.includes(k)) {
      problems.push({
        path: [k],
        message: `unknown key${suggest(k, METRICS_KEYS)} — metrics takes ${
          METRICS_KEYS.join(", ")
        }`,
      });
    }
  }
  let allowNonLoopback = false;
  if (v.allowNonLoopback !== undefined) {
    if (typeof v.allowNonLoopback !== "boolean") {
      problems.push({
        path: ["allowNonLoopback"],
        message: `expected true or false, got ${kind(v.allowNonLoopback)}`,
      });
    } else allowNonLoopback = v.allowNonLoopback;
  }
  let listen = "";
  if (typeof v.listen !== "string") {
    problems.push({
      path: ["listen"],
      message: `expected host:port, got ${kind(v.listen)} — e.g. listen: "127.0.0.1:9323"`,
    });
  } else {
    try {
      parseListen(v.listen, { allowNonLoopback });
      listen = v.listen;
    } catch (err) {
      problems.push({ path: ["listen"], message: errorMessage(err) });
    }
  }
  let maxNames = DEFAULT_MAX_NAMES;
  if (v.maxNames !== undefined) {
    const n = v.maxNames;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > 100_000) {
      problems.push({
        path: ["maxNames"],
        message: `expected a whole number from 0 to 100000, got ${kind(n)}`,
      });
    } else maxNames = n;
  }
  return problems.length ? { problems } : { settings: { listen, maxNames, allowNonLoopback } };
}
