/**
 * Engine JSON → reactor types. The only file that knows raw Engine shapes.
 * Every function throws {@link DockerProtocolError} naming the field when a required
 * field is missing or has the wrong type.
 *
 * @module
 */
import { DockerProtocolError } from "../errors.ts";
import type {
  ContainerInfo,
  ContainerNetwork,
  ContainerPort,
  ContainerSummary,
  EngineInfo,
  HealthStatus,
  NetworkInfo,
  ReactorEvent,
} from "../reactor.d.ts";

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
function str(o: Obj, k: string): string {
  const v = o[k];
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : "";
}
function num(o: Obj, k: string): number {
  const v = o[k];
  return typeof v === "number" ? v : typeof v === "string" && v !== "" ? Number(v) || 0 : 0;
}
function obj(o: Obj, k: string): Obj {
  const v = o[k];
  return isObj(v) ? v : {};
}
function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObj(v)) return out;
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === "string") out[k] = x;
    else if (typeof x === "number" || typeof x === "boolean") out[k] = String(x);
  }
  return out;
}

/**
 * Parse JSON keeping `timeNano` exact as a decimal string (it exceeds 2^53).
 * Uses JSON.parse source-text access, and only when the text has a `timeNano` at all (a reviver
 * costs a call per value: inspect and list answers never need it).
 */
export function parseJsonExact(text: string): unknown {
  if (!text.includes('"timeNano"')) return JSON.parse(text);
  return JSON.parse(
    text,
    function (this: unknown, key: string, value: unknown, ctx?: { source?: string }) {
      if (key === "timeNano" && typeof value === "number") {
        return ctx?.source ?? exactFromText(text) ?? String(value);
      }
      return value;
    } as (this: unknown, key: string, value: unknown) => unknown,
  );
}

function exactFromText(text: string): string | undefined {
  return /"timeNano"\s*:\s*(\d+)/.exec(text)?.[1];
}

/** `"1795321703378858356"` → `"1795321703.378858356"` (the `since` wire format). */
export function nanoToSince(timeNano: string): string {
  if (!/^\d+$/.test(timeNano)) throw new TypeError(`Cannot convert timeNano "${timeNano}"`);
  const s = timeNano.padStart(10, "0");
  return `${s.slice(0, -9)}.${s.slice(-9)}`;
}

/**
 * Compare two exact timeNano strings (-1, 0, 1). They are decimal digits without leading zeros
 * (JSON numbers as the Engine writes them), so the longer is the larger and equal lengths
 * compare as text: no BigInt on the hot path.
 */
export function compareNano(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

const HEALTH = new Set(["starting", "healthy", "unhealthy"]);

/**
 * The exact digits of an event line's top-level `timeNano`, checked against the parsed number;
 * undefined when they cannot be found. A numeric `"timeNano":` can only be a key with a number
 * value (inside a JSON string the quotes are escaped), and in an event only the top level has
 * one (attributes are strings).
 */
function eventNano(line: string, parsed: unknown): string | undefined {
  const m = /"timeNano"\s*:\s*(\d+)/.exec(line);
  if (!m || typeof parsed !== "number") return undefined;
  return Math.abs(Number(m[1]) - parsed) <= 1e4 ? m[1] : undefined;
}

/** Parse one `/events` line. Throws DockerProtocolError when it is not an event. */
export function parseEvent(line: string, hostId: string): ReactorEvent {
  let v: unknown;
  try {
    // one plain parse; the exact timeNano comes from the text (no reviver on the hot path)
    v = JSON.parse(line);
    if (isObj(v) && typeof v["timeNano"] === "number") {
      const exact = eventNano(line, v["timeNano"]);
      v["timeNano"] = exact ?? (parseJsonExact(line) as Obj)["timeNano"];
    }
  } catch (err) {
    throw new DockerProtocolError(
      `Cannot parse event from host "${hostId}": invalid JSON (${(err as Error).message}): ${
        line.slice(0, 200)
      }`,
    );
  }
  if (!isObj(v)) throw new DockerProtocolError(`Cannot parse event: not a JSON object`);
  const type = str(v, "Type") || (v["status"] ? "container" : "");
  const rawAction = str(v, "Action") || str(v, "status");
  if (!type || !rawAction) {
    throw new DockerProtocolError(
      `Cannot parse event from host "${hostId}": missing "Type" or "Action": ${line.slice(0, 200)}`,
    );
  }
  const actor = obj(v, "Actor");
  const id = str(actor, "ID") || str(v, "id");
  let timeNano = typeof v["timeNano"] === "string" ? v["timeNano"] as string : "";
  const time = num(v, "time");
  if (!/^\d+$/.test(timeNano)) timeNano = time ? `${time}000000000` : "0";
  const colon = rawAction.indexOf(":");
  const action = colon >= 0 ? rawAction.slice(0, colon).trim() : rawAction;
  const ev: ReactorEvent = {
    hostId,
    type,
    action,
    rawAction,
    actor: { id, attributes: strMap(actor["Attributes"]) },
    scope: str(v, "scope") || "local",
    time: time || Number(BigInt(timeNano) / 1_000_000_000n),
    timeNano,
    synthetic: false,
    raw: line,
  };
  if (action === "health_status") {
    const st = rawAction.slice(colon + 1).trim();
    ev.healthStatus = HEALTH.has(st) ? st as HealthStatus : "none";
  }
  return ev;
}

/** Make the `start` event a resync synthesizes for a running container. */
export function syntheticStart(c: ContainerInfo | ContainerSummary, nowNano: string): ReactorEvent {
  const attributes: Record<string, string> = { ...c.labels, name: c.name, image: c.image };
  return {
    hostId: c.hostId,
    type: "container",
    action: "start",
    rawAction: "start",
    actor: { id: c.id, attributes },
    scope: "local",
    time: Number(BigInt(nowNano) / 1_000_000_000n),
    timeNano: nowNano,
    synthetic: true,
    raw: "",
  };
}

/** Serialize an event as Engine-shaped JSON (timeNano as exact digits). */
export function eventToJson(ev: ReactorEvent): string {
  if (ev.raw) return ev.raw;
  const body = JSON.stringify({
    Type: ev.type,
    Action: ev.rawAction,
    Actor: { ID: ev.actor.id, Attributes: ev.actor.attributes },
    scope: ev.scope,
    time: ev.time,
    timeNano: "__NANO__",
  });
  return body.replace('"__NANO__"', ev.timeNano);
}

function pickPrimary(nets: Record<string, ContainerNetwork>): string {
  if (nets["bridge"]?.ip) return nets["bridge"].ip;
  for (const name of Object.keys(nets).sort()) {
    const ip = nets[name]?.ip;
    if (ip) return ip;
  }
  return "";
}

/** Parse `GET /containers/{id}/json`. */
export function parseInspect(v: unknown, hostId: string): ContainerInfo {
  if (!isObj(v) || typeof v["Id"] !== "string") {
    throw new DockerProtocolError(`Cannot parse container inspect: missing "Id"`);
  }
  const state = obj(v, "State");
  const config = obj(v, "Config");
  const ns = obj(v, "NetworkSettings");
  const hostConfig = obj(v, "HostConfig");
  const networks: Record<string, ContainerNetwork> = {};
  for (const [name, n] of Object.entries(obj(ns, "Networks"))) {
    if (!isObj(n)) continue;
    networks[name] = {
      name,
      networkId: str(n, "NetworkID"),
      ip: str(n, "IPAddress"),
      prefixLen: num(n, "IPPrefixLen"),
      ipv6: str(n, "GlobalIPv6Address"),
      gateway: str(n, "Gateway"),
      mac: str(n, "MacAddress"),
      aliases: Array.isArray(n["Aliases"])
        ? (n["Aliases"] as unknown[]).filter((a): a is string => typeof a === "string")
        : [],
    };
  }
  const healthObj = obj(state, "Health");
  const hs = str(healthObj, "Status");
  return {
    hostId,
    id: v["Id"] as string,
    name: str(v, "Name").replace(/^\//, ""),
    image: str(config, "Image"),
    imageId: str(v, "Image"),
    labels: strMap(config["Labels"]),
    pid: num(state, "Pid"),
    running: state["Running"] === true,
    status: str(state, "Status"),
    exitCode: num(state, "ExitCode"),
    health: HEALTH.has(hs) ? hs as HealthStatus : "none",
    networks,
    ports: parsePorts(config, ns),
    primaryIp: pickPrimary(networks) || str(ns, "IPAddress"),
    sandboxKey: str(ns, "SandboxKey"),
    networkMode: str(hostConfig, "NetworkMode"),
    createdAt: str(v, "Created"),
    startedAt: str(state, "StartedAt"),
    finishedAt: str(state, "FinishedAt"),
    hostname: str(config, "Hostname"),
  };
}

const PORT_KEY = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/;

/** `Config.ExposedPorts` merged with `NetworkSettings.Ports`; sorted, bindings deduplicated. */
export function parsePorts(config: Obj, ns: Obj): ContainerPort[] {
  const byKey = new Map<string, ContainerPort>();
  const entry = (key: string): ContainerPort | undefined => {
    const m = PORT_KEY.exec(key.trim());
    const port = Number(m?.[1]);
    if (!m || port < 1 || port > 65535) return undefined;
    const protocol = (m[2] ?? "tcp") as ContainerPort["protocol"];
    let e = byKey.get(`${port}/${protocol}`);
    if (!e) byKey.set(`${port}/${protocol}`, e = { port, protocol, bindings: [] });
    return e;
  };
  for (const key of Object.keys(obj(config, "ExposedPorts"))) entry(key);
  for (const [key, list] of Object.entries(obj(ns, "Ports"))) {
    const e = entry(key);
    if (!e || !Array.isArray(list)) continue;
    for (const b of list) {
      if (!isObj(b)) continue;
      const hostIp = str(b, "HostIp");
      const hostPort = num(b, "HostPort");
      if (!Number.isInteger(hostPort) || hostPort < 0 || hostPort > 65535) continue;
      if (!e.bindings.some((x) => x.hostIp === hostIp && x.hostPort === hostPort)) {
        e.bindings.push({ hostIp, hostPort });
      }
    }
  }
  const cmp = (a: string, b: string) => a < b ? -1 : a > b ? 1 : 0;
  const out = [...byKey.values()];
  for (const e of out) {
    e.bindings.sort((a, b) => a.hostPort - b.hostPort || cmp(a.hostIp, b.hostIp));
  }
  return out.sort((a, b) => a.port - b.port || cmp(a.protocol, b.protocol));
}

/** Parse `GET /containers/json`. */
export function parseSummaries(v: unknown, hostId: string): ContainerSummary[] {
  if (!Array.isArray(v)) throw new DockerProtocolError(`Cannot parse container list: not an array`);
  return v.filter(isObj).map((c) => {
    const names = Array.isArray(c["Names"]) ? c["Names"] as unknown[] : [];
    const first = typeof names[0] === "string" ? names[0] : "";
    return {
      hostId,
      id: str(c, "Id"),
      name: first.replace(/^\//, ""),
      image: str(c, "Image"),
      labels: strMap(c["Labels"]),
      state: str(c, "State"),
      status: str(c, "Status"),
      created: num(c, "Created"),
    };
  });
}

/** Parse `GET /info`. */
export function parseInfo(v: unknown): EngineInfo {
  if (!isObj(v)) throw new DockerProtocolError(`Cannot parse /info: not an object`);
  const sec = Array.isArray(v["SecurityOptions"])
    ? (v["SecurityOptions"] as unknown[]).filter((s): s is string => typeof s === "string")
    : [];
  return {
    id: str(v, "ID"),
    name: str(v, "Name"),
    serverVersion: str(v, "ServerVersion"),
    containers: num(v, "Containers"),
    containersRunning: num(v, "ContainersRunning"),
    securityOptions: sec,
    rootless: sec.some((s) => s.includes("name=rootless")),
    cgroupDriver: str(v, "CgroupDriver"),
    dockerRootDir: str(v, "DockerRootDir"),
  };
}

/** Parse `GET /networks`. */
export function parseNetworks(v: unknown): NetworkInfo[] {
  if (!Array.isArray(v)) throw new DockerProtocolError(`Cannot parse network list: not an array`);
  return v.filter(isObj).map((n) => ({
    id: str(n, "Id"),
    name: str(n, "Name"),
    driver: str(n, "Driver"),
    scope: str(n, "Scope"),
    subnets: (Array.isArray(obj(n, "IPAM")["Config"]) ? obj(n, "IPAM")["Config"] as unknown[] : [])
      .filter(isObj).map((c) => str(c, "Subnet")).filter(Boolean),
    labels: strMap(n["Labels"]),
  }));
}

/**
 * An Engine timestamp (`2026-11-30T13:24:05.123456789Z`, RFC 3339 with up to nanoseconds, any
 * offset) as exact nanoseconds since the epoch; undefined when it is not one. `0001-01-01…`
 * (never started) gives a negative number.
 */
export function rfc3339ToNano(s: string): bigint | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(s);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? "").padEnd(9, "0"));
}
