/**
 * The balancer model: what the `glue_*` labels of the running containers ask HAProxy to do,
 * already validated. Templates (built-in, user file or a TS function) turn it into haproxy.cfg
 * text; every string in it is safe to paste into a config line unquoted.
 *
 * @module
 */
import type { ContainerInfo } from "../reactor.d.ts";

/** What the balancer reads about a container: the inventory's {@link ContainerInfo}. */
export type BalancerContainer = ContainerInfo;

/** One `server` line of a backend. */
export interface Server {
  /** Stable name derived from the container name and id (`web-1_3f2a9c81b0de`). */
  name: string;
  /** IPv4 address HAProxy connects to. */
  address: string;
  port: number;
  /** 0–256. */
  weight: number;
  /** False while the container is not healthy (with `healthGated`): rendered `disabled`. */
  enabled: boolean;
  containerId: string;
  containerName: string;
  /**
   * Everything after the name on the `server` line, e.g.
   * `10.0.0.5:80 weight 100 check inter 2s …`. The Runtime API's `add server` gets exactly this,
   * so a template that renders `server {{ s.name }} {{ s.args }}` keeps file and runtime equal.
   */
  args: string;
}

/** A backend: one per (port, host, prefix) for HTTP, one per port for TCP. */
export interface Backend {
  /** `be_http_80_example.com_api`, `be_tcp_5432`. */
  name: string;
  mode: "http" | "tcp";
  /** The frontend port (and the container port). */
  port: number;
  /** Lowercase host, `*.example.com` for a wildcard, "" for any host (HTTP only). */
  host: string;
  /** Path prefix without leading or trailing `/` ("" for none; HTTP only). */
  prefix: string;
  /** Whether `/prefix` is removed from the path before the request reaches a server. */
  stripPrefix: boolean;
  /** When stripping: the `http-request replace-path` regex and replacement. */
  strip?: { regex: string; replacement: string };
  /** Servers, sorted by name. */
  servers: Server[];
}

/** A named ACL on the Host header. */
export interface HostAcl {
  /** `host_1`, `host_2`, … in route order. */
  name: string;
  host: string;
  wildcard: boolean;
  /** The ACL criterion and flags, e.g. `req.hdr(host),field(1,:) -i example.com`. */
  criterion: string;
}

/** A named ACL on the path prefix (`/api` exactly, or anything under `/api/`). */
export interface PrefixAcl {
  /** `path_1`, `path_2`, … */
  name: string;
  prefix: string;
  /** The ACL lines' criteria: `path /api` and `path_beg /api/`. */
  criteria: [string, string];
}

/** One `use_backend` rule, in evaluation order (specific host first, longest prefix first). */
export interface Route {
  backend: string;
  /** Host ACL name, absent for "any host". */
  hostAcl?: string;
  /** Prefix ACL name, absent for "any path". */
  prefixAcl?: string;
  /** The condition after `if`, e.g. `host_1 path_2`; "" when the route matches everything. */
  condition: string;
}

/** An HTTP frontend on one port. */
export interface HttpFrontend {
  /** `fe_http_80`. */
  name: string;
  port: number;
  /** The `bind` argument: `*:80`, `127.0.0.1:80`. */
  bind: string;
  hosts: HostAcl[];
  prefixes: PrefixAcl[];
  routes: Route[];
}

/** A TCP frontend on one port (one backend). */
export interface TcpFrontend {
  /** `fe_tcp_5432`. */
  name: string;
  port: number;
  bind: string;
  backend: string;
}

/** Settings a template needs besides the routes. */
export interface GlobalModel {
  /** Runtime API socket path (`stats socket … level admin expose-fd listeners`). */
  statsSocket: string;
}

/** The whole model handed to a renderer. */
export interface BalancerModel {
  global: GlobalModel;
  /** Sorted by port. */
  http: HttpFrontend[];
  /** Sorted by port. */
  tcp: TcpFrontend[];
  /** HTTP and TCP backends, in the order the template should write them. */
  backends: Backend[];
}

/** A refused or ignored label, one per container and label. */
export interface ModelWarning {
  container: string;
  label: string;
  message: string;
}
