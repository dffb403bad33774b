/**
 * reactor's own types for what the Engine reports. Engine JSON is parsed into these at the
 * boundary (`normalize.ts`); nothing else looks at raw Engine shapes.
 *
 * @module
 */

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
