/**
 * A container's ports from raw `GET /containers/{id}/json`: the exposed ports
 * (`Config.ExposedPorts`, `{"80/tcp": {}}`) merged with the published ones
 * (`NetworkSettings.Ports`, `{"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}] | null}`).
 *
 * Interim helper: `ContainerInfo` has no ports yet. The proposal is that
 * `lib/docker/normalize.ts` `parseInspect` fills `ContainerInfo.ports` with exactly this, after
 * which callers pass `ContainerInfo` as is.
 *
 * @module
 */

/** One address a published port is bound to on the Docker host. */
export interface PortBinding {
  /** Host address (`0.0.0.0`, `::`, `127.0.0.1`); "" when Docker reports none. */
  hostIp: string;
  /** Host port; 0 when not (yet) assigned. */
  hostPort: number;
}

/** A container port, exposed and possibly published. */
export interface ContainerPort {
  /** Port inside the container (1–65535). */
  port: number;
  protocol: "tcp" | "udp" | "sctp";
  /** Published bindings on the host (empty when only exposed). */
  bindings: PortBinding[];
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `"80/tcp"` → `{ port: 80, protocol: "tcp" }`; undefined for anything else. */
export function parsePortKey(
  key: string,
): { port: number; protocol: ContainerPort["protocol"] } | undefined {
  const m = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/.exec(key.trim());
  if (!m) return undefined;
  const port = Number(m[1]);
  if (port < 1 || port > 65535) return undefined;
  return { port, protocol: (m[2] ?? "tcp") as ContainerPort["protocol"] };
}

/**
 * Exposed and published ports of an inspected container, sorted by port then protocol; bindings
 * deduplicated and sorted. Malformed entries are skipped (the Engine is trusted for shape only).
 *
 * @example
 * ```ts
 * import { portsFromInspect } from "./ports.ts";
 * portsFromInspect({
 *   Config: { ExposedPorts: { "80/tcp": {} } },
 *   NetworkSettings: { Ports: { "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "8080" }] } },
 * }); // [{ port: 80, protocol: "tcp", bindings: [{ hostIp: "0.0.0.0", hostPort: 8080 }] }]
 * ```
 */
export function portsFromInspect(inspect: unknown): ContainerPort[] {
  const byKey = new Map<string, ContainerPort>();
  const entry = (key: string): ContainerPort | undefined => {
    const p = parsePortKey(key);
    if (!p) return undefined;
    const k = `${p.port}/${p.protocol}`;
    let e = byKey.get(k);
    if (!e) byKey.set(k, e = { ...p, bindings: [] });
    return e;
  };
  if (!isObj(inspect)) return [];
  const config = isObj(inspect["Config"]) ? inspect["Config"] : {};
  const settings = isObj(inspect["NetworkSettings"]) ? inspect["NetworkSettings"] : {};
  if (isObj(config["ExposedPorts"])) {
    for (const key of Object.keys(config["ExposedPorts"])) entry(key);
  }
  if (isObj(settings["Ports"])) {
    for (const [key, list] of Object.entries(settings["Ports"])) {
      const e = entry(key);
      if (!e || !Array.isArray(list)) continue;
      for (const b of list) {
        if (!isObj(b)) continue;
        const hostIp = typeof b["HostIp"] === "string" ? b["HostIp"] : "";
        const raw = b["HostPort"];
        const hostPort = typeof raw === "string" && /^\d{1,5}$/.test(raw)
          ? Number(raw)
          : typeof raw === "number" && Number.isInteger(raw)
          ? raw
          : 0;
        if (hostPort < 0 || hostPort > 65535) continue;
        if (!e.bindings.some((x) => x.hostIp === hostIp && x.hostPort === hostPort)) {
          e.bindings.push({ hostIp, hostPort });
        }
      }
    }
  }
  const out = [...byKey.values()];
  for (const e of out) {
    e.bindings.sort((a, b) => a.hostPort - b.hostPort || cmp(a.hostIp, b.hostIp));
  }
  return out.sort((a, b) => a.port - b.port || cmp(a.protocol, b.protocol));
}

/** Code-unit order (locale-independent, so records are the same bytes everywhere). */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
