/**
 * The persisted state of the l2vlan plugin (`<state-dir>/state.json`): networks, bridges it set
 * up, endpoints with their veths, IPAM pools and address allocations. Loading validates the shape
 * and falls back to `state.json.bak` (the previous good version) when the file is corrupt.
 *
 * @module
 */
import { readJsonWithBackup, writeJsonAtomic } from "./state_file.ts";

/** One network as CreateNetwork described it. */
export interface NetworkRecord {
  /** Linux bridge the endpoints are enslaved to. */
  bridge: string;
  /** Master pool (subnet) in CIDR form. */
  pool: string;
  addressSpace: string;
  /** Gateway address without prefix, when the network has one. */
  gateway?: string;
  /** MTU for the veths (from `-o mtu` or the parent interface). */
  mtu?: number;
  /** Whether the bridge needs the FORWARD ACCEPT rule (`-o iptables`, default true). */
  iptables: boolean;
  createdAt: string;
}

/** What l2vlan did to a bridge, so it can undo exactly that when the last network goes. */
export interface BridgeRecord {
  /** Parent interface from `-o ext_if` (absent for a pre-existing bridge used as is). */
  extIf?: string;
  /** `-o vlan_id`: 1..4094 tagged, 0 untagged (the parent itself is enslaved). */
  vlanId?: number;
  /** The port l2vlan enslaved: `<ext_if>.<vlan_id>` or `<ext_if>`. */
  port?: string;
  /** True when l2vlan created the bridge (and so may delete it). */
  createdBridge: boolean;
  /** True when l2vlan created the VLAN sub-interface. */
  createdPort: boolean;
  /** The iptables ACCEPT rule l2vlan inserted for this bridge. */
  forward?: { tool: string; chain: string };
}

/** One endpoint (container attachment). */
export interface EndpointRecord {
  networkId: string;
  /** Host end of the veth pair (stays on the bridge). */
  hostIf: string;
  /** Container end (moved into the sandbox by dockerd, renamed `eth0`). */
  ctrIf: string;
  /** Address with prefix, as IPAM gave it. */
  address: string;
  mac: string;
  joined: boolean;
}

/** One IPAM pool (a network's view of a subnet, optionally restricted to an ip-range). */
export interface PoolRecord {
  addressSpace: string;
  /** Master pool (subnet), CIDR. */
  pool: string;
  /** `--ip-range`, CIDR, or "" for the whole subnet. */
  subPool: string;
  /** RequestPool calls not yet released. */
  refs: number;
  /** Noted (never claimed) gateway, without prefix. */
  gateway?: string;
  gatewayRefs: number;
}

/** One handed-out address. */
export interface Allocation {
  poolId: string;
  /** ISO time of the RequestAddress. */
  at: string;
  /** Endpoint using it, once CreateEndpoint bound it. */
  endpointId?: string;
}

/** IPAM state. Allocations are keyed by `<address space>|<master pool>`, then by address. */
export interface IpamState {
  pools: Record<string, PoolRecord>;
  allocations: Record<string, Record<string, Allocation>>;
}

/** Everything l2vlan persists. */
export interface L2vlanState {
  version: 1;
  networks: Record<string, NetworkRecord>;
  bridges: Record<string, BridgeRecord>;
  endpoints: Record<string, EndpointRecord>;
  ipam: IpamState;
}

/** A fresh, empty state. */
export function emptyState(): L2vlanState {
  return {
    version: 1,
    networks: {},
    bridges: {},
    endpoints: {},
    ipam: { pools: {}, allocations: {} },
  };
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function checkMap(
  v: Record<string, unknown>,
  key: string,
  check: (x: Record<string, unknown>) => boolean,
): void {
  const m = v[key];
  if (!isRecord(m)) throw new Error(`"${key}" must be an object`);
  for (const [k, x] of Object.entries(m)) {
    if (!isRecord(x) || !check(x)) throw new Error(`"${key}.${k}" has an unexpected shape`);
  }
}

const str = (x: unknown) => typeof x === "string";

/** Validate a parsed state file. Throws an Error naming the first bad field. */
export function validateState(v: unknown): L2vlanState {
  if (!isRecord(v)) throw new Error("not a JSON object");
  if (v.version !== 1) throw new Error(`unsupported version ${JSON.stringify(v.version)}`);
  checkMap(v, "networks", (x) => str(x.bridge) && str(x.pool));
  checkMap(v, "bridges", (x) => typeof x.createdBridge === "boolean");
  checkMap(v, "endpoints", (x) => str(x.networkId) && str(x.hostIf) && str(x.ctrIf));
  if (!isRecord(v.ipam)) throw new Error(`"ipam" must be an object`);
  checkMap(v.ipam, "pools", (x) => str(x.pool) && typeof x.refs === "number");
  checkMap(
    v.ipam,
    "allocations",
    (m) => Object.values(m).every((a) => isRecord(a) && str(a.poolId)),
  );
  return v as unknown as L2vlanState;
}

/** Where {@link StateStore.load} got its state from. */
export type LoadSource = "file" | "backup" | "empty" | "new";

/** Reads and atomically writes `<dir>/state.json`, keeping `state.json.bak`. */
export class StateStore {
  /** Path of the state file. */
  readonly path: string;
  constructor(dir: string) {
    this.path = `${dir.replace(/\/+$/, "")}/state.json`;
  }

  /**
   * Load the state. A missing file is a new, empty state; a corrupt one falls back to the
   * backup, else to an empty state (`source: "empty"` plus a warning: the caller logs it and
   * must not delete kernel objects it cannot attribute).
   */
  async load(): Promise<{ state: L2vlanState; source: LoadSource; warning?: string }> {
    const r = await readJsonWithBackup(this.path, validateState);
    if (r.value) return { state: r.value, source: r.source, warning: r.warning };
    return { state: emptyState(), source: r.source, warning: r.warning };
  }

  /** Persist atomically (temp file, fsync, rename; previous version kept as `.bak`). */
  async save(state: L2vlanState): Promise<void> {
    await writeJsonAtomic(this.path, state, { backup: true });
  }
}
