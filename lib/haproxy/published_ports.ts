/**
 * Published ports from `GET /containers/{id}/json` (`NetworkSettings.Ports`), for the
 * `publishedPorts` mode. `ContainerInfo` does not carry them yet; this parser is meant to move
 * into `lib/docker/normalize.ts` (and the field into `ContainerInfo`) when the inventory needs it.
 *
 * @module
 */
import type { PublishedPort } from "./model.ts";

/**
 * Parse `NetworkSettings.Ports` of an inspect answer. Unpublished ports (`null`) and malformed
 * entries are skipped.
 *
 * @example
 * ```ts
 * import { parsePublishedPorts } from "./published_ports.ts";
 * parsePublishedPorts({ NetworkSettings: { Ports: { "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "32768" }] } } });
 * // [{ containerPort: 80, protocol: "tcp", hostIp: "0.0.0.0", hostPort: 32768 }]
 * ```
 */
export function parsePublishedPorts(inspect: unknown): PublishedPort[] {
  const ns = field(inspect, "NetworkSettings");
  const ports = field(ns, "Ports");
  if (!ports || typeof ports !== "object") return [];
  const out: PublishedPort[] = [];
  for (const [key, bindings] of Object.entries(ports as Record<string, unknown>)) {
    const m = /^(\d{1,5})\/(tcp|udp|sctp)$/.exec(key);
    if (!m || !Array.isArray(bindings)) continue;
    for (const b of bindings) {
      const hostIp = field(b, "HostIp");
      const hostPort = Number(field(b, "HostPort"));
      if (typeof hostIp !== "string" || !(hostPort >= 1 && hostPort <= 65535)) continue;
      out.push({
        containerPort: Number(m[1]),
        protocol: m[2] as PublishedPort["protocol"],
        hostIp,
        hostPort,
      });
    }
  }
  // IPv4 bindings first, so the balancer picks one it can use
  return out.sort((a, b) =>
    a.containerPort - b.containerPort ||
    Number(a.hostIp.includes(":")) - Number(b.hostIp.includes(":"))
  );
}

function field(v: unknown, k: string): unknown {
  return v && typeof v === "object" && !Array.isArray(v)
    ? (v as Record<string, unknown>)[k]
    : undefined;
}
