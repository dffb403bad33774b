// reactor.d.ts — the types a reactor.config.ts sees, written by `reactor init`.
// Self-contained (no imports): use it with `import type { Config } from "./reactor.d.ts";`.
// A config needs no runtime import from reactor. Refresh it with `reactor init --types-only`.
// In reactor's source tree this file is the one public type surface: the engine, the Docker
// client and the built-in hooks use these types, and `reactor init` writes it byte for byte.

// ---- What the Docker Engine reports (parsed at the boundary) ---------------------------------

/** One network attachment of a container. */
export interface ContainerNetwork {
  /** Network name as the Engine reports it (`bridge`, `mynet`, …). */
  name: string;
  networkId: string;
  /** IPv4 address without prefix length, or "" when none. */
  ip: string;
  prefixLen: number;
  ipv6: string;
  gateway: string;
  mac: string;
  aliases: string[];
}

/** One host address a container port is published on. */
export interface PortBinding {
  /** `0.0.0.0`, `::`, `127.0.0.1`, … ("" when the Engine gives none). */
  hostIp: string;
  hostPort: number;
}

/** An exposed or published container port. */
export interface ContainerPort {
  port: number;
  protocol: "tcp" | "udp" | "sctp";
  /** Where it is published on the host (empty: exposed only). */
  bindings: PortBinding[];
}

/** Health as reported by a HEALTHCHECK, or "none". */
export type HealthStatus = "none" | "starting" | "healthy" | "unhealthy";

/** An inspected container, as handlers see it. */
export interface ContainerInfo {
  /** Id of the configured host (engine) this container lives on. */
  hostId: string;
  /** Full 64-hex id. */
  id: string;
  /** Name without the leading `/`. */
  name: string;
  /** Image reference from the config (`busybox:latest`). */
  image: string;
  /** Image id (`sha256:…`). */
  imageId: string;
  labels: Record<string, string>;
  /** Host pid of the container's init process; 0 when not running. */
  pid: number;
  running: boolean;
  /** `created|running|paused|restarting|removing|exited|dead`. */
  status: string;
  exitCode: number;
  health: HealthStatus;
  /** Networks by name. */
  networks: Record<string, ContainerNetwork>;
  /** Exposed and published ports, sorted by port and protocol. */
  ports: ContainerPort[];
  /** First non-empty IPv4 (bridge preferred, else alphabetical), or "". */
  primaryIp: string;
  /** Netns bind-mount path (`/var/run/docker/netns/…`), "" when unknown. */
  sandboxKey: string;
  /** Network mode (`bridge`, `host`, `none`, `container:<id>`). */
  networkMode: string;
  createdAt: string;
  startedAt: string;
  finishedAt: string;
  /** Hostname configured in the container. */
  hostname: string;
}

/** A container summary from `GET /containers/json`. */
export interface ContainerSummary {
  hostId: string;
  id: string;
  name: string;
  image: string;
  labels: Record<string, string>;
  state: string;
  status: string;
  created: number;
}

/** Event actor. `attributes` holds labels plus `name`/`image`/`exitCode`/… */
export interface EventActor {
  id: string;
  attributes: Record<string, string>;
}

/** A normalized Engine event. */
export interface ReactorEvent {
  /** Configured host id the event came from. */
  hostId: string;
  /** `container`, `network`, `image`, `volume`, `daemon`, `plugin`, … */
  type: string;
  /**
   * Action. For `exec_create: cmd` style actions this is the part before `:`
   * (`exec_create`); the full string is in {@link rawAction}. `health_status: healthy` becomes
   * `health_status` and `healthStatus` carries `healthy`.
   */
  action: string;
  rawAction: string;
  /** Health status for `health_status` events. */
  healthStatus?: HealthStatus;
  actor: EventActor;
  scope: string;
  /** Seconds since epoch. */
  time: number;
  /** Exact nanoseconds since epoch as a decimal string (exceeds 2^53; never a number). */
  timeNano: string;
  /** True when reactor made this event up during a resync (a container found running). */
  synthetic: boolean;
  /** The original JSON line ("" for synthetic events). */
  raw: string;
}

/** Result of `/_ping` plus `/version`. */
export interface EngineVersion {
  apiVersion: string;
  minApiVersion: string;
  version: string;
  os: string;
  arch: string;
  kernel: string;
}

/** A subset of `/info`. */
export interface EngineInfo {
  id: string;
  name: string;
  serverVersion: string;
  containers: number;
  containersRunning: number;
  securityOptions: string[];
  rootless: boolean;
  cgroupDriver: string;
  dockerRootDir: string;
}

/** A network from `GET /networks`. */
export interface NetworkInfo {
  id: string;
  name: string;
  driver: string;
  scope: string;
  subnets: string[];
  labels: Record<string, string>;
}

// ---- The config: handlers, their context, built-in hook settings -----------------------------

/** Structured fields attached to a log record. */
export type LogFields = Record<string, unknown>;

/** The logger a handler receives (records carry host/container/action fields). */
export interface Log {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every record. */
  child(fields: LogFields): Log;
}

/** Options for {@link Context.exec}. A program is always an argv array: there is no shell. */
export interface RunOptions {
  /** Extra environment variables (merged over reactor's environment unless `clearEnv`). */
  env?: Record<string, string>;
  /** Start from an empty environment (plus `env`). */
  clearEnv?: boolean;
  cwd?: string;
  /** Written to stdin, then stdin is closed. Without it stdin is /dev/null. */
  stdin?: string | Uint8Array;
  /** Kill the program (SIGTERM, then SIGKILL) after this many milliseconds. */
  timeoutMs?: number;
  /** Abort signal (defaults to the handler's {@link Context.signal}). */
  signal?: AbortSignal;
  /** Exit codes that count as success (default `[0]`). */
  okCodes?: readonly number[];
  /** Called once per output line. */
  onLine?: (stream: "stdout" | "stderr", line: string) => void;
  /** Cap for captured stdout/stderr each, in bytes. */
  maxCapture?: number;
  uid?: number;
  gid?: number;
}

/** What a finished program produced. */
export interface RunResult {
  argv: readonly string[];
  code: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** Run a program (argv only). Rejects with an error naming the argv and stderr on failure. */
export type Run = (argv: readonly string[], opts?: RunOptions) => Promise<RunResult>;

/** The Engine API client for the host an event came from (a subset of reactor's client). */
export interface DockerApi {
  readonly hostId: string;
  info(signal?: AbortSignal): Promise<EngineInfo>;
  listContainers(
    opts?: { all?: boolean; filters?: Record<string, string[]>; signal?: AbortSignal },
  ): Promise<ContainerSummary[]>;
  /** Throws (HTTP 404) when the container is gone. */
  inspect(id: string, signal?: AbortSignal): Promise<ContainerInfo>;
  networks(signal?: AbortSignal): Promise<NetworkInfo[]>;
  /** Non-interactive `docker exec`. */
  exec(
    id: string,
    cmd: readonly string[],
    opts?: { env?: string[]; user?: string; workingDir?: string; signal?: AbortSignal },
  ): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  /** Any other Engine API call, answered as parsed JSON. */
  json(
    method: string,
    path: string,
    opts?: {
      query?: Record<string, string | number | boolean | undefined>;
      body?: unknown;
      signal?: AbortSignal;
    },
  ): Promise<unknown>;
}

/** The engine an event came from. */
export interface HostInfo {
  /** Configured host id (`default`, `local`, …). */
  readonly id: string;
  /** Engine name from `/info`. */
  readonly name: string;
  readonly rootless: boolean;
  /** True when the engine runs on this machine (only then can namespaces be entered). */
  readonly local: boolean;
}

/**
 * Whose network namespace a command runs in: a container (its init pid), a pid, or `"host"`
 * (reactor's own namespace, the default).
 */
export type NetnsTarget = ContainerInfo | number | "host";

/** Options of `ip route add|replace|del`. */
export interface RouteOptions {
  dev?: string;
  via?: string;
  table?: string | number;
  metric?: number;
  src?: string;
  /** `ip route … proto <p>` (e.g. `static`). */
  proto?: string;
  scope?: string;
  netns?: NetnsTarget;
}

/** Thin helpers over iproute2 (`ip …`), run through `nsenter` when `netns` is a container. */
export interface IpApi {
  route: {
    /** Add a route. Idempotent: an identical existing route is fine; a different one fails. */
    add(dst: string, opts?: RouteOptions): Promise<void>;
    replace(dst: string, opts?: RouteOptions): Promise<void>;
    /** Delete a route. Idempotent: a route that does not exist is not an error. */
    del(dst: string, opts?: RouteOptions): Promise<void>;
    /** `ip -j route show` as parsed JSON. */
    list(opts?: { table?: string | number; netns?: NetnsTarget }): Promise<unknown[]>;
  };
  addr: {
    /** `ip address add <cidr> dev <dev>` (idempotent: an identical address is fine). */
    add(cidr: string, opts: { dev: string; netns?: NetnsTarget }): Promise<void>;
    /** `ip addr del` (idempotent). */
    del(cidr: string, opts: { dev: string; netns?: NetnsTarget }): Promise<void>;
  };
  link: {
    set(dev: string, opts: { up?: boolean; mtu?: number; netns?: NetnsTarget }): Promise<void>;
  };
  /** Any other `ip` invocation: `ip.run(["-j", "addr"], { netns: container })`. */
  run(args: readonly string[], opts?: { netns?: NetnsTarget }): Promise<RunResult>;
}

/** Namespaces {@link Nsenter} can enter. */
export type Namespace = "net" | "mount" | "uts" | "ipc" | "pid";

/** Options of {@link Nsenter}. */
export interface NsenterOptions extends RunOptions {
  /** Namespaces to enter (default `["net"]`). */
  namespaces?: readonly Namespace[];
}

/** Run a program inside a container's namespaces (`nsenter -t <pid> -n -- argv…`). */
export type Nsenter = (
  target: ContainerInfo | number,
  argv: readonly string[],
  opts?: NsenterOptions,
) => Promise<RunResult>;

/** The second argument of every handler. */
export interface Context {
  /** The event being handled. */
  readonly event: ReactorEvent;
  /**
   * True when the container changed after this event and before the handler ran (it was
   * restarted, or removed): the container passed to the handler is then its last known state
   * with `running: false` and `pid: 0`, never the state of a later incarnation.
   */
  readonly movedOn: boolean;
  /** The engine the event came from. */
  readonly host: HostInfo;
  /** Engine API client for that engine. */
  readonly docker: DockerApi;
  readonly log: Log;
  /** Aborted when the handler times out or reactor shuts down: pass it on. */
  readonly signal: AbortSignal;
  /** Run a program (argv only, never a shell); `signal` defaults to {@link signal}. */
  readonly exec: Run;
  readonly ip: IpApi;
  readonly nsenter: Nsenter;
}

/** A handler for container lifecycle events. */
export type Handler = (container: ContainerInfo, ctx: Context) => void | Promise<void>;

/**
 * A handler that may also see non-container events (`network`, `image`, …): `container` is
 * undefined for those.
 */
export type EventHandler = (
  container: ContainerInfo | undefined,
  ctx: Context,
) => void | Promise<void>;

/** Seconds as a number, or a string with a unit: `"500ms"`, `"30s"`, `"5m"`, `"1h"`. */
export type Duration = number | string;

/** Options shared by every handler. */
export interface HandlerOptions {
  /** Name in logs and in `reactor check` (default: the key, e.g. `onStart`). */
  name?: string;
  /** Only events from these host ids (default: all hosts). */
  hosts?: readonly string[];
  /** Time budget for one call (default: the engine's handler timeout). */
  timeout?: Duration;
}

/**
 * An HTTP request sent for each matching event (`webhook:` of a YAML rule, a handler or an `on`
 * entry), from a bounded queue per URL: it never delays other handlers or containers.
 */
export interface WebhookAction {
  /** `https://…` (`${NAME}` comes from reactor's environment; `$${` is a literal `${`). */
  url: string;
  /** `POST` (default), `PUT`, `PATCH`, or `GET` (no body). */
  method?: "POST" | "PUT" | "PATCH" | "GET";
  /** Header values may use `${NAME}`; they are never logged. */
  headers?: Record<string, string>;
  /**
   * A template with the `%%key%%` keys of YAML rules (`%%name%%`, `%%payload%%`, …), rendered
   * JSON-safely when it is JSON. Default: the event JSON.
   */
  body?: string;
  /** Per attempt (default 10 s). */
  timeout?: Duration;
  /** Retries after the first attempt, with backoff and jitter (default 3, at most 10). */
  retries?: number;
  /** PEM file of an extra CA for a private endpoint (verification always stays on). */
  ca?: string;
}

/** A handler, or a handler with options: `run`, `webhook`, or both. */
export type HandlerSpec<H> =
  | H
  | (HandlerOptions & ({ run: H; webhook?: WebhookAction } | { run?: H; webhook: WebhookAction }));

/**
 * A match value: an exact string, a glob (`web-*`, `?` for one character), a `/regex/flags`
 * string, a RegExp, or a list meaning any-of.
 */
export type Pattern = string | RegExp | readonly (string | RegExp)[];

/** Which events a rule or `on` entry reacts to. Every given field must match. */
export interface EventMatch {
  /** `container`, `network`, `image`, … */
  type?: Pattern;
  /** `start`, `die`, `health_status`, … (matched against the full action text too). */
  action?: Pattern;
  scope?: Pattern;
  actor?: {
    id?: Pattern;
    /** Container (or other object) name: `actor.attributes.name`. */
    name?: Pattern;
    attributes?: Record<string, Pattern>;
  };
  /** Container labels. */
  labels?: Record<string, Pattern>;
}

/** One entry of {@link Config.on}: `run`, `webhook`, or both. */
export type OnEntry =
  & HandlerOptions
  & {
    /** Missing: every event. */
    match?: EventMatch;
  }
  & ({ run: EventHandler; webhook?: WebhookAction } | {
    run?: EventHandler;
    webhook: WebhookAction;
  });

/** Settings of the built-in label networking hook (`docker-events.*` labels). */
export interface LabelsHookSettings {
  /** Label prefix (default `docker-events.`). */
  prefix?: string;
  /**
   * Host routes requested by labels: `true`/`"allow"` (default), `false`/`"deny"`, or
   * `"label:<key>=<value>"` (only containers carrying that label may add them).
   */
  hostRoutes?: boolean | "allow" | "deny" | `label:${string}=${string}`;
}

/** Settings of the built-in scripts hook (`<action>.<container name>` executables). */
export interface ScriptsHookSettings {
  /** Directory of scripts (default `/etc/reactor/scripts`). */
  dir?: string;
  /** Per-script time limit (default 60 s). */
  timeout?: Duration;
}

/** One `server` line of an HAProxy backend (a running container's port). */
export interface HaproxyServer {
  /** Stable name from the container's name and id (`web-1_3f2a9c81b0de`). */
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
   * Everything after the name on the `server` line (`10.0.0.5:80 weight 100 check …`): what the
   * Runtime API's `add server` gets, so `server {{ s.name }} {{ s.args }}` keeps file and runtime
   * equal.
   */
  args: string;
}

/** An HAProxy backend: one per (port, host, prefix) for HTTP, one per port for TCP. */
export interface HaproxyBackend {
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
  servers: HaproxyServer[];
}

/** A named ACL on the Host header. */
export interface HaproxyHostAcl {
  /** `host_1`, `host_2`, … in route order. */
  name: string;
  host: string;
  wildcard: boolean;
  /** The ACL criterion and flags, e.g. `req.hdr(host),field(1,:) -i example.com`. */
  criterion: string;
}

/** A named ACL on a path prefix (`/api` exactly, or anything under `/api/`). */
export interface HaproxyPrefixAcl {
  /** `path_1`, `path_2`, … */
  name: string;
  prefix: string;
  /** The ACL lines' criteria: `path /api` and `path_beg /api/`. */
  criteria: [string, string];
}

/** One `use_backend` rule, in evaluation order (specific host first, longest prefix first). */
export interface HaproxyRoute {
  backend: string;
  /** Host ACL name, absent for "any host". */
  hostAcl?: string;
  /** Prefix ACL name, absent for "any path". */
  prefixAcl?: string;
  /** The condition after `if`, e.g. `host_1 path_2`; "" when the route matches everything. */
  condition: string;
}

/** An HTTP frontend on one port. */
export interface HaproxyHttpFrontend {
  /** `fe_http_80`. */
  name: string;
  port: number;
  /** The `bind` argument: `*:80`, `127.0.0.1:80`. */
  bind: string;
  hosts: HaproxyHostAcl[];
  prefixes: HaproxyPrefixAcl[];
  routes: HaproxyRoute[];
}

/** A TCP frontend on one port (one backend). */
export interface HaproxyTcpFrontend {
  /** `fe_tcp_5432`. */
  name: string;
  port: number;
  bind: string;
  backend: string;
}

/**
 * What an HAProxy template or `render` function gets: the `glue_http_*` / `glue_tcp_*` labels of
 * the running containers, validated (every string is safe in a config line unquoted).
 */
export interface HaproxyModel {
  /** `statsSocket`: the Runtime API socket (`stats socket … level admin expose-fd listeners`). */
  global: { statsSocket: string };
  /** Sorted by port. */
  http: HaproxyHttpFrontend[];
  /** Sorted by port. */
  tcp: HaproxyTcpFrontend[];
  /** HTTP and TCP backends, in the order the config should list them. */
  backends: HaproxyBackend[];
}

/**
 * Settings of the built-in HAProxy balancer (off by default). The same settings, snake_case, are
 * the `[params]` of a Docker Glue `HAProxyHandler` INI file.
 */
export interface HaproxyHookSettings {
  /** The config HAProxy loads, written in place (default `/etc/haproxy/haproxy.cfg`). */
  configFile?: string;
  /** Directory of a user template and of what it extends/includes. */
  templateDir?: string;
  /** A Nunjucks (Jinja2 syntax) template: absolute, or a name inside `templateDir`. */
  templateFile?: string;
  /** Render the config yourself (instead of a template). */
  render?: (model: HaproxyModel) => string | Promise<string>;
  /** Command that reloads HAProxy, as argv (default `["systemctl", "reload", "haproxy"]`). */
  reload?: string[];
  /** Instead of `reload`: send SIGUSR2 to the master-worker pid in this file. */
  masterPidFile?: string;
  /** The Runtime API socket (default `/run/haproxy/admin.sock`). */
  statsSocket?: string;
  /** Take container IPs on this Docker network (default: each container's primary IP). */
  network?: string;
  /** Use the host ports published for the labelled ports instead of container IPs. */
  publishedPorts?: boolean;
  /** Address the frontends bind: `*` (default) or an IPv4 address. */
  bindAddress?: string;
  /** Debounce of bursts, `min..max` (default `500ms..2s`). */
  wait?: string;
  /** Route to a container with a HEALTHCHECK only while it is healthy (default true). */
  healthGated?: boolean;
}

/**
 * Settings of the etcd v3 publisher (off by default): every running container as a JSON record
 * under `<prefix>/<host id>/<name>`, all on one lease that expires when reactor dies.
 */
export interface EtcdHookSettings {
  /** etcd client URLs (`https://10.0.0.2:2379`; port 2379 when none is given). */
  endpoints: string[];
  /** Key prefix (default `/reactor/containers`). */
  prefix?: string;
  /** Lease TTL, whole seconds from 2 s to 24 h (default 30 s): how long keys outlive reactor. */
  ttl?: Duration;
  /** Default `{prefix}/{hostId}/{name}`; also `{engine}`, `{id}`, `{shortId}`. */
  keyTemplate?: string;
  /** PEM files: the CA of etcd's certificate, and a client certificate and key (together). */
  tls?: { ca?: string; cert?: string; key?: string };
  /** etcd user (with `password`). */
  username?: string;
  /** Never logged. */
  password?: string;
}

/** The metrics endpoint (off by default; `--metrics-listen` sets `listen`). */
export interface MetricsSettings {
  /** `host:port` to serve `/metrics`, `/healthz`, `/readyz` on; loopback unless allowed. */
  listen: string;
  /** Distinct container names kept as labels before they fold into `_other` (default 500). */
  maxNames?: number;
  /** Listen on a non-loopback address (the endpoint has no authentication). */
  allowNonLoopback?: boolean;
}

/**
 * Built-in hooks: `false` turns one off, `true` or settings turn it on (labels and scripts are on
 * by default, etcd is off).
 */
export interface BuiltinHooks {
  /** On by default. */
  labels?: boolean | LabelsHookSettings;
  /** On by default. */
  scripts?: boolean | ScriptsHookSettings;
  /** Off by default. */
  haproxy?: boolean | HaproxyHookSettings;
  etcd?: false | EtcdHookSettings;
}

/** Docker Glue handler directories (`docker-glue.d/*.ini`) and their scripts. */
export interface GlueSettings {
  /** Glue dirs, loaded in order (`--glue-dir` replaces them). */
  dirs?: string[];
  /**
   * Where a ScriptHandler's `script=` is looked for (`--glue-script-path` replaces them; default
   * `/usr/libexec/docker-glue`, then `<glue dir>/../handler-scripts`).
   */
  scriptPaths?: string[];
}

/** A `reactor.config.ts` default export (or what its default-exported function returns). */
export interface Config {
  hooks?: BuiltinHooks;
  /** The metrics endpoint (as `metrics:` in `reactor.yaml`). */
  metrics?: false | MetricsSettings;
  /** Docker Glue handler directories (as `reactor run --glue-dir`). */
  glue?: GlueSettings;
  onCreate?: HandlerSpec<Handler>;
  onStart?: HandlerSpec<Handler>;
  onStop?: HandlerSpec<Handler>;
  onDie?: HandlerSpec<Handler>;
  onDestroy?: HandlerSpec<Handler>;
  onHealthy?: HandlerSpec<Handler>;
  onUnhealthy?: HandlerSpec<Handler>;
  /** Every event of every type. */
  onEvent?: HandlerSpec<EventHandler>;
  /** Handlers for arbitrary selectors. */
  on?: readonly OnEntry[];
  /**
   * Docker hosts (multi-host): host id → settings (`type`, `host`, …), as `docker.hosts` in
   * `reactor.yaml`. Default: `-H` / `DOCKER_HOST` / the docker context as host `default`.
   */
  hosts?: Record<string, Record<string, unknown> | null>;
  /** The same as `reactor.yaml`'s `docker:` section (`{ hosts }`); use this or `hosts`. */
  docker?: { hosts?: Record<string, Record<string, unknown> | null> };
}

/** What a config module may default-export. */
export type ConfigExport = Config | (() => Config | Promise<Config>);
