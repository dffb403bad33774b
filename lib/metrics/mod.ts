/**
 * Prometheus metrics and health endpoints: {@link ReactorMetrics} (subscribe it to the engine's
 * Observer), {@link metricsHandler} + {@link serveMetrics}, and the `metrics:` config validator.
 *
 * @module
 */
export {
  DEFAULT_MAX_NAMES,
  type MetricsHost,
  ReactorMetrics,
  type ReactorMetricsOptions,
  type Verdict,
} from "./reactor_metrics.ts";
export {
  hostHealth,
  isLoopback,
  metricsHandler,
  type MetricsServer,
  type MetricsSource,
  parseListen,
  serveMetrics,
} from "./server.ts";
export { type MetricsSettings, validateMetrics } from "./settings.ts";
export { CONTENT_TYPE } from "./exposition.ts";
