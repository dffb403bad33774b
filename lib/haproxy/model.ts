/**
 * The balancer model: what the `glue_*` labels of the running containers ask HAProxy to do,
 * already validated. Templates (built-in, user file or a TS function) turn it into haproxy.cfg
 * text; every string in it is safe to paste into a config line unquoted.
 *
 * @module
 */
import type {
  ContainerInfo,
  HaproxyBackend,
  HaproxyHostAcl,
  HaproxyHttpFrontend,
  HaproxyModel,
  HaproxyPrefixAcl,
  HaproxyRoute,
  HaproxyServer,
  HaproxyTcpFrontend,
} from "../reactor.d.ts";

/** What the balancer reads about a container: the inventory's {@link ContainerInfo}. */
export type BalancerContainer = ContainerInfo;

// The model is public (a `render` function in reactor.config.ts gets it): its types live in the
// public type file, under HAProxy names; these are the balancer's names for them.
export type {
  /** A backend: one per (port, host, prefix) for HTTP, one per port for TCP. */
  HaproxyBackend as Backend,
  /** A named ACL on the Host header. */
  HaproxyHostAcl as HostAcl,
  /** An HTTP frontend on one port. */
  HaproxyHttpFrontend as HttpFrontend,
  /** The whole model handed to a renderer. */
  HaproxyModel as BalancerModel,
  /** A named ACL on the path prefix. */
  HaproxyPrefixAcl as PrefixAcl,
  /** One `use_backend` rule. */
  HaproxyRoute as Route,
  /** One `server` line of a backend. */
  HaproxyServer as Server,
  /** A TCP frontend on one port. */
  HaproxyTcpFrontend as TcpFrontend,
};

/** Settings a template needs besides the routes. */
export type GlobalModel = HaproxyModel["global"];

/** A refused or ignored label, one per container and label. */
export interface ModelWarning {
  container: string;
  label: string;
  message: string;
}
