/**
 * The l2vlan driver: NetworkDriver and IpamDriver calls on one persisted state. Calls are
 * serialised (dockerd sends them concurrently for parallel tasks); each one either completes
 * and is persisted before it is answered, or leaves the state as it was.
 *
 * @module
 */
import * as ipam from "./ipam.ts";
import { bindAddress, dropAllocations, IpamConflictError } from "./ipam.ts";
import { contains, formatCidr, macFromIp, parseCidr, parseIp } from "./ipv4.ts";
import {
  checkBridgeConflict,
  createVeth,
  ensureBridge,
  type Kernel,
  networksOn,
  teardownBridge,
} from "./network.ts";
import { parseNetworkOptions, vethNames } from "./options.ts";
import {
  type CreateEndpointRequest,
  type CreateEndpointResponse,
  type CreateNetworkRequest,
  type EndpointRequest,
  type JoinResponse,
  L2vlanError,
  type RequestAddressRequest,
  type RequestAddressResponse,
  type RequestPoolRequest,
  type RequestPoolResponse,
} from "./protocol.ts";
import { recoverState } from "./recover.ts";
import type { EndpointRecord, L2vlanState } from "./state.ts";

/** Options for {@link L2vlanDriver}. */
export interface DriverOptions extends Kernel {
  state: L2vlanState;
  /** Persists the state (atomically). */
  save(state: L2vlanState): Promise<void>;
  /**
   * Reclaim addresses that were requested but never bound to an endpoint after this many ms
   * (a crash between RequestAddress and CreateEndpoint). Default: never.
   */
  reclaimUnboundMs?: number;
  /** Clock (tests). */
  now?: () => Date;
}

type Empty = Record<string, never>;

/** NetworkDriver + IpamDriver logic. Every public method is one plugin call. */
export class L2vlanDriver {
  readonly #o: DriverOptions;
  #state: L2vlanState;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(o: DriverOptions) {
    this.#o = o;
    this.#state = o.state;
  }

  /** The current state (read-only use: tests and diagnostics). */
  get state(): L2vlanState {
    return this.#state;
  }

  /** Run `fn` alone; persist on success, restore the previous state on failure. */
  #mutate<T>(fn: (s: L2vlanState) => Promise<T>): Promise<T> {
    const run = async () => {
      const before = structuredClone(this.#state);
      try {
        const out = await fn(this.#state);
        await this.#o.save(this.#state);
        return out;
      } catch (err) {
        this.#state = before;
        throw err;
      }
    };
    const p = this.#queue.then(run, run);
    this.#queue = p.catch(() => {});
    return p;
  }

  /**
   * Start-up reconciliation (before the socket is served): re-create bridges, ports and rules of
   * known networks, report endpoints whose veth is gone, and delete never-joined veth pairs
   * nobody knows — only when the state was loaded (`trusted`), never after it was lost.
   */
  recover(trusted: boolean): Promise<void> {
    return this.#mutate((s) => recoverState(s, this.#o, { trusted }));
  }

  // ---- NetworkDriver -------------------------------------------------------------------------

  /** `/NetworkDriver.CreateNetwork` (idempotent for a known NetworkID). */
  createNetwork(req: CreateNetworkRequest): Promise<Empty> {
    const opts = parseNetworkOptions(req.Options);
    const v4 = req.IPv4Data[0];
    if (!v4) {
      throw new L2vlanError(
        "l2vlan networks need an IPv4 subnet: pass --subnet and --gateway (with --ipam-driver l2vlan)",
        { status: 400 },
      );
    }
    if (req.IPv6Data.length > 0) {
      throw new L2vlanError("l2vlan does not handle IPv6: create the network without --ipv6", {
        status: 400,
      });
    }
    const pool = parseCidr(v4.Pool);
    if (!pool) throw new L2vlanError(`Invalid subnet "${v4.Pool}"`, { status: 400 });
    const gateway = v4.Gateway ? v4.Gateway.replace(/\/\d+$/, "") : undefined;
    return this.#mutate(async (s) => {
      checkBridgeConflict(s, opts, req.NetworkID);
      try {
        await ensureBridge(s, opts, this.#o);
      } catch (err) {
        if (networksOn(s, opts.bridge, req.NetworkID).length === 0) {
          await teardownBridge(s, opts.bridge, this.#o).catch(() => {});
        }
        throw err;
      }
      const port = s.bridges[opts.bridge]?.port;
      const mtu = opts.mtu ?? (port ? (await this.#o.links.get(port))?.mtu : undefined);
      s.networks[req.NetworkID] = {
        bridge: opts.bridge,
        pool: formatCidr(pool),
        addressSpace: v4.AddressSpace,
        gateway,
        mtu: mtu || undefined,
        iptables: opts.iptables,
        createdAt: this.#now().toISOString(),
      };
      this.#o.log.info("l2vlan network created", {
        network: req.NetworkID,
        bridge: opts.bridge,
        port,
        gateway,
      });
      return {};
    });
  }

  /** `/NetworkDriver.DeleteNetwork` (unknown IDs are fine). */
  deleteNetwork(networkId: string): Promise<Empty> {
    return this.#mutate(async (s) => {
      const net = s.networks[networkId];
      if (!net) return {};
      for (const [id, ep] of Object.entries(s.endpoints)) {
        if (ep.networkId !== networkId) continue;
        await this.#o.links.del(ep.hostIf);
        delete s.endpoints[id];
      }
      delete s.networks[networkId];
      await teardownBridge(s, net.bridge, this.#o);
      this.#o.log.info("l2vlan network deleted", { network: networkId, bridge: net.bridge });
      return {};
    });
  }

  /** `/NetworkDriver.CreateEndpoint`: the veth pair, host end on the bridge. */
  createEndpoint(req: CreateEndpointRequest): Promise<CreateEndpointResponse> {
    return this.#mutate(async (s) => {
      const net = this.#network(s, req.NetworkID);
      const address = req.Interface.Address;
      const cidr = parseCidr(address);
      const ip = parseIp(address.replace(/\/\d+$/, ""));
      if (!cidr || ip === undefined) {
        throw new L2vlanError(
          `Endpoint has no IPv4 address: create the network with --ipam-driver l2vlan (or another IPAM) and a --subnet`,
          { status: 400 },
        );
      }
      if (!contains(parseCidr(net.pool)!, ip)) {
        throw new L2vlanError(`Address ${address} is outside the network's subnet ${net.pool}`);
      }
      const { hostIf, ctrIf } = vethNames(req.EndpointID);
      for (const [id, other] of Object.entries(s.endpoints)) {
        if (id !== req.EndpointID && other.hostIf === hostIf) {
          throw new L2vlanError(
            `Endpoint ${req.EndpointID.slice(0, 12)} would reuse veth ${hostIf} of endpoint ${
              id.slice(0, 12)
            }: retry (docker picks a new endpoint ID)`,
          );
        }
      }
      await ensureBridge(s, { bridge: net.bridge, iptables: net.iptables }, this.#o);
      const mac = req.Interface.MacAddress || macFromIp(ip);
      await createVeth(this.#o, { hostIf, ctrIf, bridge: net.bridge, mac, mtu: net.mtu });
      s.endpoints[req.EndpointID] = {
        networkId: req.NetworkID,
        hostIf,
        ctrIf,
        address,
        mac,
        joined: false,
      };
      bindAddress(s.ipam, net, address, req.EndpointID);
      this.#o.log.info("l2vlan endpoint created", { endpoint: req.EndpointID, hostIf, address });
      return req.Interface.MacAddress ? {} : { Interface: { MacAddress: mac } };
    });
  }

  /** `/NetworkDriver.Join`: which interface to move into the sandbox, and the gateway. */
  join(req: EndpointRequest): Promise<JoinResponse> {
    return this.#mutate((s) => {
      const net = this.#network(s, req.NetworkID);
      const ep = this.#endpoint(s, req);
      ep.joined = true;
      const out: JoinResponse = {
        InterfaceName: { SrcName: ep.ctrIf, DstPrefix: "eth" },
        StaticRoutes: [],
        DisableGatewayService: true,
      };
      if (net.gateway) out.Gateway = net.gateway;
      return Promise.resolve(out);
    });
  }

  /** `/NetworkDriver.Leave`. */
  leave(req: EndpointRequest): Promise<Empty> {
    return this.#mutate((s) => {
      const ep = s.endpoints[req.EndpointID];
      if (ep) ep.joined = false;
      return Promise.resolve({});
    });
  }

  /** `/NetworkDriver.DeleteEndpoint`: removes the veth pair (unknown IDs are fine). */
  deleteEndpoint(req: EndpointRequest): Promise<Empty> {
    return this.#mutate(async (s) => {
      const ep = s.endpoints[req.EndpointID];
      const hostIf = ep?.hostIf ?? vethNames(req.EndpointID).hostIf;
      await this.#o.links.del(hostIf);
      if (ep) {
        const net = s.networks[ep.networkId];
        if (net) bindAddress(s.ipam, net, ep.address, undefined);
        delete s.endpoints[req.EndpointID];
      }
      this.#o.log.info("l2vlan endpoint deleted", { endpoint: req.EndpointID, hostIf });
      return {};
    });
  }

  /** `/NetworkDriver.EndpointOperInfo`. */
  endpointOperInfo(req: EndpointRequest): Promise<{ Value: Record<string, unknown> }> {
    const ep = this.#state.endpoints[req.EndpointID];
    const net = ep ? this.#state.networks[ep.networkId] : undefined;
    return Promise.resolve({
      Value: ep ? { hostIf: ep.hostIf, bridge: net?.bridge, mac: ep.mac } : {},
    });
  }

  // ---- IpamDriver ----------------------------------------------------------------------------

  /** `/IpamDriver.RequestPool`. */
  requestPool(req: RequestPoolRequest): Promise<RequestPoolResponse> {
    return this.#mutate((s) => Promise.resolve(ipam.requestPool(s.ipam, req)));
  }

  /** `/IpamDriver.ReleasePool`. */
  releasePool(poolId: string): Promise<Empty> {
    return this.#mutate((s) => {
      ipam.releasePool(s.ipam, poolId);
      return Promise.resolve({});
    });
  }

  /**
   * `/IpamDriver.RequestAddress`. When the wanted address is taken or nothing is free, first
   * reclaim allocations whose endpoint is gone from the kernel (dockerd crashed without
   * releasing them), then try once more.
   */
  requestAddress(req: RequestAddressRequest): Promise<RequestAddressResponse> {
    return this.#mutate(async (s) => {
      const now = this.#now();
      try {
        return ipam.requestAddress(s.ipam, req, { now: now.toISOString() });
      } catch (err) {
        if (!(err instanceof IpamConflictError)) throw err;
        const freed = await this.#reclaim(s, err.master, now);
        if (freed === 0) throw err;
        return ipam.requestAddress(s.ipam, req, { now: now.toISOString() });
      }
    });
  }

  /** `/IpamDriver.ReleaseAddress` (gateway or container address; unknown is fine). */
  releaseAddress(poolId: string, address: string): Promise<Empty> {
    return this.#mutate((s) => {
      ipam.releaseAddress(s.ipam, poolId, address);
      return Promise.resolve({});
    });
  }

  // ---- helpers -------------------------------------------------------------------------------

  #now(): Date {
    return this.#o.now ? this.#o.now() : new Date();
  }

  #network(s: L2vlanState, id: string) {
    const net = s.networks[id];
    if (!net) {
      throw new L2vlanError(
        `Network ${
          id.slice(0, 25)
        } is not known to l2vlan: it was created while the plugin's state was lost — remove and recreate it`,
      );
    }
    return net;
  }

  #endpoint(s: L2vlanState, req: EndpointRequest): EndpointRecord {
    const ep = s.endpoints[req.EndpointID];
    if (!ep) {
      throw new L2vlanError(
        `Endpoint ${req.EndpointID.slice(0, 12)} is not known to l2vlan: recreate the container`,
      );
    }
    return ep;
  }

  /** Drop allocations of a subnet whose endpoint's veth is gone. Returns how many. */
  async #reclaim(s: L2vlanState, master: string, now: Date): Promise<number> {
    const table = s.ipam.allocations[master] ?? {};
    const stale: string[] = [];
    for (const [ip, a] of Object.entries(table)) {
      if (a.endpointId) {
        const ep = s.endpoints[a.endpointId];
        if (!ep || !(await this.#o.links.get(ep.hostIf))) stale.push(ip);
      } else if (
        this.#o.reclaimUnboundMs !== undefined &&
        now.getTime() - Date.parse(a.at) > this.#o.reclaimUnboundMs
      ) stale.push(ip);
    }
    for (const id of dropAllocations(s.ipam, master, stale)) delete s.endpoints[id];
    if (stale.length > 0) {
      this.#o.log.warn("l2vlan reclaimed addresses of endpoints that no longer exist", {
        subnet: master,
        addresses: stale,
      });
    }
    return stale.length;
  }
}
