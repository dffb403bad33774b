/**
 * The HAProxy balancer of reactor (Docker Glue's `glue_http_*` / `glue_tcp_*` labels): settings,
 * the model, renderers, the Runtime API client and {@link HaproxyBalancer}.
 *
 * @module
 */
export {
  type ApplyResult,
  type BalancerDeps,
  type BalancerStats,
  HaproxyBalancer,
  rendererFor,
} from "./balancer.ts";
export { RenderError, RuntimeApiError } from "./errors.ts";
export {
  balancerModel,
  DEFAULT_SERVER_CHECK,
  type ModelOptions,
  type ModelResult,
  serverName,
} from "./labels.ts";
export type * from "./model.ts";
export {
  BUILTIN_TEMPLATE,
  builtinRenderer,
  namedRenderer,
  renderConfig,
  type Renderer,
  type TemplateLocation,
  templateRenderer,
} from "./render.ts";
export { RuntimeApi, type RuntimeApiOptions, type ServerState } from "./runtime_api.ts";
export {
  type HaproxySettings,
  parseHaproxySettings,
  SETTINGS_DEFAULTS,
  type SettingsProblem,
} from "./settings.ts";
