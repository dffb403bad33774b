/**
 * Networking helpers for typed handlers (`reactor.config.ts`): typed `ip` builders and runners,
 * idempotent application, and netns entry.
 *
 * @example
 * ```ts ignore
 * import { ensureIp, ip } from "./mod.ts";
 * await ensureIp(ip.route.replace("10.77.0.0/16", { via: "172.17.0.1", netns: { container } }), {
 *   exec: ctx.exec,
 *   rootless: ctx.host.rootless,
 * });
 * ```
 *
 * @module
 */
export {
  type AddressArgs,
  ip,
  type IpCommand,
  ipJson,
  type LinkSetArgs,
  type Netns,
  type RouteArgs,
  runIp,
  type RunIpOptions,
} from "./ip.ts";
export { ensureIp, type EnsureOutcome } from "./idempotent.ts";
export {
  containerNetns,
  NetnsGoneError,
  type NetnsRef,
  nsenter,
  nsenterArgs,
  type NsenterMode,
} from "./nsenter.ts";
export { parseLabelValue, splitParts, tokenize } from "./label_parse.ts";
