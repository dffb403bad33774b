/**
 * The l2vlan IPAM (pure): like Docker's default IPAM, except that a gateway is noted, never
 * claimed. Several pools (networks) may share one subnet and gateway with different ip-ranges;
 * allocations are kept per (address space, subnet), shared by all its pools, so the same address
 * is never handed out twice.
 *
 * Every function mutates the given {@link IpamState} and throws {@link L2vlanError} with a
 * one-line message that dockerd shows to the user.
 *
 * @module
 */
import {
  type Cidr,
  contains,
  formatCidr,
  formatIp,
  isReserved,
  lastIp,
  overlaps,
  parseCidr,
  parseIp,
  within,
} from "./ipv4.ts";
import {
  GATEWAY_ADDRESS_TYPE,
  L2vlanError,
  LOCAL_ADDRESS_SPACE,
  REQUEST_ADDRESS_TYPE,
  type RequestAddressRequest,
  type RequestAddressResponse,
  type RequestPoolRequest,
  type RequestPoolResponse,
} from "./protocol.ts";
import type { IpamState, PoolRecord } from "./state.ts";

/** An address request that found nothing free (or its wanted address taken). */
export class IpamConflictError extends L2vlanError {
  /** The allocation key (`<space>|<subnet>`) where the conflict happened. */
  readonly master: string;
  constructor(message: string, master: string) {
    super(message);
    this.name = "IpamConflictError";
    this.master = master;
  }
}

/** Allocation key of a subnet in an address space. */
export function masterKey(addressSpace: string, pool: string): string {
  return `${addressSpace}|${pool}`;
}

/** PoolID for a request: `<space>/<subnet>[/<ip-range>]` (stable, so repeats share a record). */
export function poolIdFor(addressSpace: string, pool: string, subPool: string): string {
  return subPool ? `${addressSpace}/${pool}/${subPool}` : `${addressSpace}/${pool}`;
}

function cidrOf(text: string, what: string, fix: string): Cidr {
  const c = parseCidr(text);
  if (!c) throw new L2vlanError(`Invalid ${what} "${text}": ${fix}`, { status: 400 });
  return c;
}

/** `/IpamDriver.RequestPool`: same request → same PoolID with one more reference. */
export function requestPool(ipam: IpamState, req: RequestPoolRequest): RequestPoolResponse {
  if (req.V6) {
    throw new L2vlanError(
      "l2vlan IPAM does not handle IPv6 pools: create the network without --ipv6",
    );
  }
  if (!req.Pool) {
    throw new L2vlanError(
      "l2vlan IPAM needs an explicit subnet: pass --subnet (and --gateway, --ip-range) to docker network create",
    );
  }
  const space = req.AddressSpace || LOCAL_ADDRESS_SPACE;
  const master = cidrOf(req.Pool, "subnet", "use a.b.c.d/nn");
  const pool = formatCidr(master);
  let subPool = "";
  if (req.SubPool) {
    const sub = cidrOf(req.SubPool, "--ip-range", "use a.b.c.d/nn");
    if (!within(sub, master)) {
      throw new L2vlanError(
        `--ip-range ${req.SubPool} is not inside subnet ${pool}: pick a range within the subnet`,
      );
    }
    subPool = formatCidr(sub);
  }
  for (const p of Object.values(ipam.pools)) {
    if (p.addressSpace !== space || p.pool === pool) continue;
    if (overlaps(cidrOf(p.pool, "subnet", "fix the state"), master)) {
      throw new L2vlanError(
        `Subnet ${pool} overlaps subnet ${p.pool} already used with l2vlan: use exactly ${p.pool} so both networks share one address table`,
      );
    }
  }
  const id = poolIdFor(space, pool, subPool);
  const rec = ipam.pools[id];
  if (rec) rec.refs++;
  else ipam.pools[id] = { addressSpace: space, pool, subPool, refs: 1, gatewayRefs: 0 };
  return { PoolID: id, Pool: pool, Data: {} };
}

/** `/IpamDriver.ReleasePool`: one reference less; the record goes at zero. Unknown IDs are fine. */
export function releasePool(ipam: IpamState, poolId: string): { removed: boolean } {
  const rec = ipam.pools[poolId];
  if (!rec) return { removed: false };
  rec.refs--;
  if (rec.refs > 0) return { removed: false };
  delete ipam.pools[poolId];
  const key = masterKey(rec.addressSpace, rec.pool);
  const table = ipam.allocations[key] ?? {};
  for (const [ip, a] of Object.entries(table)) {
    if (a.poolId === poolId && !a.endpointId) delete table[ip];
  }
  if (Object.keys(table).length === 0) delete ipam.allocations[key];
  return { removed: true };
}

function poolOf(ipam: IpamState, poolId: string): PoolRecord {
  const rec = ipam.pools[poolId];
  if (!rec) {
    throw new L2vlanError(
      `Unknown l2vlan pool "${poolId}": the network's pool was released or the plugin state was lost — remove and recreate the network`,
    );
  }
  return rec;
}

/** Gateways noted by any pool on the same subnet (they are never handed to containers). */
function gatewaysOf(ipam: IpamState, rec: PoolRecord): Set<string> {
  const out = new Set<string>();
  for (const p of Object.values(ipam.pools)) {
    if (p.addressSpace === rec.addressSpace && p.pool === rec.pool && p.gateway) out.add(p.gateway);
  }
  return out;
}

function wantedIp(text: string, master: Cidr, what: string): number {
  const ip = parseIp(text.replace(/\/\d+$/, ""));
  if (ip === undefined) throw new L2vlanError(`Invalid ${what} "${text}": use a.b.c.d`);
  if (!contains(master, ip)) {
    throw new L2vlanError(
      `${what} ${text} is outside subnet ${formatCidr(master)}: pick an address inside the subnet`,
    );
  }
  if (isReserved(master, ip)) {
    throw new L2vlanError(
      `${what} ${text} is the network or broadcast address of ${
        formatCidr(master)
      }: pick a host address`,
    );
  }
  return ip;
}

/** Options for {@link requestAddress}. */
export interface RequestAddressOptions {
  /** Timestamp recorded on the allocation (ISO). */
  now?: string;
}

/**
 * `/IpamDriver.RequestAddress`. A gateway request only notes the gateway on the pool. Any other
 * request allocates: the wanted address (inside the subnet, not a gateway, not in use) or the
 * lowest free one of the ip-range. Throws {@link IpamConflictError} when the wanted address is
 * taken or nothing is free (the caller may reclaim stale allocations and retry).
 */
export function requestAddress(
  ipam: IpamState,
  req: RequestAddressRequest,
  opts: RequestAddressOptions = {},
): RequestAddressResponse {
  const rec = poolOf(ipam, req.PoolID);
  const master = cidrOf(rec.pool, "subnet", "fix the state");
  const key = masterKey(rec.addressSpace, rec.pool);
  const table = ipam.allocations[key] ?? {};
  const withPrefix = (ip: number) => `${formatIp(ip)}/${master.prefix}`;

  if (req.Options[REQUEST_ADDRESS_TYPE] === GATEWAY_ADDRESS_TYPE) {
    let ip: number;
    if (req.Address) ip = wantedIp(req.Address, master, "Gateway");
    else ip = master.prefix <= 30 ? master.network + 1 : master.network;
    const text = formatIp(ip);
    if (table[text]) {
      throw new L2vlanError(
        `Gateway ${text} is already assigned to a container on ${rec.pool}: use the router's address as --gateway`,
      );
    }
    if (rec.gateway !== text) rec.gatewayRefs = 0;
    rec.gateway = text;
    rec.gatewayRefs++;
    return { Address: withPrefix(ip), Data: {} };
  }

  const gateways = gatewaysOf(ipam, rec);
  const take = (ip: number) => {
    table[formatIp(ip)] = { poolId: req.PoolID, at: opts.now ?? new Date().toISOString() };
    ipam.allocations[key] = table;
    return { Address: withPrefix(ip), Data: {} };
  };
  if (req.Address) {
    const ip = wantedIp(req.Address, master, "Address");
    const text = formatIp(ip);
    if (gateways.has(text)) {
      throw new L2vlanError(
        `Address ${text} is the gateway of ${rec.pool}: choose another --ip`,
      );
    }
    if (table[text]) {
      throw new IpamConflictError(
        `Address ${text} is already in use on ${rec.pool}: choose another --ip or remove the container using it`,
        key,
      );
    }
    return take(ip);
  }
  const range = rec.subPool ? cidrOf(rec.subPool, "--ip-range", "fix the state") : master;
  for (let ip = range.network; ip <= lastIp(range); ip++) {
    const text = formatIp(ip);
    if (isReserved(master, ip) || gateways.has(text) || table[text]) continue;
    return take(ip);
  }
  throw new IpamConflictError(
    `No free address in ${
      rec.subPool || rec.pool
    } (subnet ${rec.pool}): every address is in use — remove a container or widen --ip-range`,
    key,
  );
}

/**
 * `/IpamDriver.ReleaseAddress`. The pool's noted gateway loses a reference; a container address
 * is freed when this pool allocated it. Unknown pools or addresses are fine (idempotent).
 */
export function releaseAddress(
  ipam: IpamState,
  poolId: string,
  address: string,
): "gateway" | "address" | "unknown" {
  const rec = ipam.pools[poolId];
  if (!rec) return "unknown";
  const text = address.replace(/\/\d+$/, "");
  const key = masterKey(rec.addressSpace, rec.pool);
  const table = ipam.allocations[key];
  const a = table?.[text];
  if (a && a.poolId === poolId) {
    delete table![text];
    if (Object.keys(table!).length === 0) delete ipam.allocations[key];
    return "address";
  }
  if (rec.gateway === text) {
    rec.gatewayRefs = Math.max(0, rec.gatewayRefs - 1);
    if (rec.gatewayRefs === 0) delete rec.gateway;
    return "gateway";
  }
  return "unknown";
}

/** Mark the allocation of `address` (CIDR or plain) on a subnet as used by an endpoint. */
export function bindAddress(
  ipam: IpamState,
  where: { addressSpace: string; pool: string },
  address: string,
  endpointId: string | undefined,
): boolean {
  const a = ipam.allocations[masterKey(where.addressSpace, where.pool)]?.[
    address.replace(/\/\d+$/, "")
  ];
  if (!a) return false;
  if (endpointId) a.endpointId = endpointId;
  else delete a.endpointId;
  return true;
}

/** Drop allocations (reclaim). Returns the endpoint IDs they were bound to. */
export function dropAllocations(ipam: IpamState, master: string, ips: readonly string[]): string[] {
  const table = ipam.allocations[master];
  if (!table) return [];
  const endpoints: string[] = [];
  for (const ip of ips) {
    const a = table[ip];
    if (!a) continue;
    if (a.endpointId) endpoints.push(a.endpointId);
    delete table[ip];
  }
  if (Object.keys(table).length === 0) delete ipam.allocations[master];
  return endpoints;
}
