/**
 * The JSON record published for one running container. Pure; the same container always gives
 * the same bytes (sorted labels, networks and ports), so reconciliation can compare strings.
 *
 * Shape (stable; consumers may rely on it):
 * ```json
 * {"id":"…64 hex…","name":"web","image":"nginx:1.27","labels":{"a":"b"},
 *  "networks":{"bridge":{"ip":"172.17.0.2","ipv6":"","ports":[{"port":80,"protocol":"tcp"}]}},
 *  "published":[{"port":80,"protocol":"tcp","hostIp":"0.0.0.0","hostPort":8080}],
 *  "hostId":"local","engine":"node-1","startedAt":"2026-11-30T12:00:00.123Z"}
 * ```
 * `networks[n].ports` are the container's exposed ports, reachable at that network's address;
 * `published` are the bindings on the Docker host's addresses.
 *
 * @module
 */
import type { ContainerInfo } from "../reactor.d.ts";

/** A container as the publisher takes it (the inventory's `ContainerInfo`). */
export type PublishableContainer = ContainerInfo;

/** One port of a network entry. */
export interface RecordPort {
  port: number;
  protocol: string;
}

/** One published binding. */
export interface RecordBinding extends RecordPort {
  hostIp: string;
  hostPort: number;
}

/** The published record. */
export interface ContainerRecord {
  id: string;
  name: string;
  image: string;
  labels: Record<string, string>;
  networks: Record<string, { ip: string; ipv6: string; ports: RecordPort[] }>;
  published: RecordBinding[];
  hostId: string;
  /** The engine's name (Docker `/info` `Name`, usually the machine's hostname). */
  engine: string;
  startedAt: string;
}

/** Identity of the reactor host that publishes (from the inventory). */
export interface PublisherHost {
  hostId: string;
  engineName: string;
}

function sortedMap(m: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(m).sort()) out[k] = m[k]!;
  return out;
}

/**
 * Build the record of one container.
 *
 * @example
 * ```ts ignore
 * const json = recordJson(containerRecord(container, { hostId: "local", engineName: "node-1" }));
 * ```
 */
export function containerRecord(c: PublishableContainer, host: PublisherHost): ContainerRecord {
  const ports = [...(c.ports ?? [])].sort((a, b) =>
    a.port - b.port || (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0)
  );
  const netPorts = ports.map((p) => ({ port: p.port, protocol: p.protocol }));
  const networks: ContainerRecord["networks"] = {};
  for (const name of Object.keys(c.networks).sort()) {
    const n = c.networks[name]!;
    networks[name] = { ip: n.ip, ipv6: n.ipv6, ports: netPorts.map((p) => ({ ...p })) };
  }
  const published: RecordBinding[] = [];
  for (const p of ports) {
    for (const b of p.bindings) {
      published.push({
        port: p.port,
        protocol: p.protocol,
        hostIp: b.hostIp,
        hostPort: b.hostPort,
      });
    }
  }
  return {
    id: c.id,
    name: c.name,
    image: c.image,
    labels: sortedMap(c.labels),
    networks,
    published,
    hostId: host.hostId,
    engine: host.engineName,
    startedAt: c.startedAt,
  };
}

/** The record as the exact bytes stored in etcd. */
export function recordJson(r: ContainerRecord): string {
  return JSON.stringify(r);
}

/**
 * Who wrote a stored record: its `hostId` and `engine`, or undefined when the value is not a
 * record of this shape (written by someone else).
 */
export function recordOwner(value: string): { hostId: string; engine: string } | undefined {
  let v: unknown;
  try {
    v = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o["hostId"] !== "string" || typeof o["engine"] !== "string") return undefined;
  if (typeof o["id"] !== "string") return undefined;
  return { hostId: o["hostId"], engine: o["engine"] };
}
