/**
 * Wire types of the Docker plugin protocol as dockerd 20.10 speaks it to l2vlan (remote
 * `NetworkDriver` and `IpamDriver` on one socket), the parsers that turn request bodies into
 * them, and the error answer convention. Field names are dockerd's (capitalised Go names).
 *
 * Errors: dockerd treats every non-200 answer as a failure and shows the body's `Err`. The IPAM
 * proxy ignores `Err` on a 200 answer (it reads `Error`), so errors are never sent with 200 and
 * carry both fields. 400 = the request itself is malformed, 500 = the operation failed,
 * 404 = unknown method (dockerd tolerates 404 for optional methods).
 *
 * @module
 */
import { ReactorError } from "../../errors.ts";

/** Media type of every answer. */
export const PLUGIN_MEDIA_TYPE = "application/vnd.docker.plugins.v1.2+json";
/** `Options` key under which `docker network create -o k=v` values arrive. */
export const GENERIC_OPTIONS = "com.docker.network.generic";
/** `RequestAddress` option key telling what the address is for. */
export const REQUEST_ADDRESS_TYPE = "RequestAddressType";
/** Its value for the gateway of a network. */
export const GATEWAY_ADDRESS_TYPE = "com.docker.network.gateway";
/** Address spaces l2vlan reports (swarm networks use the local one on each node too). */
export const LOCAL_ADDRESS_SPACE = "l2vlan_local";
/** See {@link LOCAL_ADDRESS_SPACE}. */
export const GLOBAL_ADDRESS_SPACE = "l2vlan_global";

/** A failed plugin call. `status` is the HTTP status of the answer. */
export class L2vlanError extends ReactorError {
  readonly status: number;
  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "L2vlanError";
    this.status = options.status ?? 500;
  }
}

/** One IPAM data entry of CreateNetwork (`IPv4Data[i]`). */
export interface IpamData {
  AddressSpace: string;
  /** Master pool (the subnet), CIDR. */
  Pool: string;
  /** Gateway, CIDR with the subnet's prefix. */
  Gateway: string;
  AuxAddresses: Record<string, string>;
}

/** `/NetworkDriver.CreateNetwork` and `/NetworkDriver.AllocateNetwork`. */
export interface CreateNetworkRequest {
  NetworkID: string;
  Options: Record<string, unknown>;
  IPv4Data: IpamData[];
  IPv6Data: IpamData[];
}

/** Requests that only name a network (`DeleteNetwork`, `FreeNetwork`). */
export interface NetworkRequest {
  NetworkID: string;
}

/** Requests that name an endpoint (`Leave`, `DeleteEndpoint`, `EndpointOperInfo`, …). */
export interface EndpointRequest {
  NetworkID: string;
  EndpointID: string;
}

/** `/NetworkDriver.CreateEndpoint`. */
export interface CreateEndpointRequest extends EndpointRequest {
  Interface: { Address: string; AddressIPv6: string; MacAddress: string };
  Options: Record<string, unknown>;
}

/** `/NetworkDriver.CreateEndpoint` answer: only what the driver chose (never the address). */
export interface CreateEndpointResponse {
  Interface?: { MacAddress: string };
}

/** `/NetworkDriver.Join`. */
export interface JoinRequest extends EndpointRequest {
  SandboxKey: string;
  Options: Record<string, unknown>;
}

/** A static route of a Join answer; `RouteType` 0 = via `NextHop`, 1 = connected. */
export interface StaticRoute {
  Destination: string;
  RouteType: 0 | 1;
  NextHop?: string;
}

/** `/NetworkDriver.Join` answer. */
export interface JoinResponse {
  InterfaceName: { SrcName: string; DstPrefix: string };
  Gateway?: string;
  StaticRoutes: StaticRoute[];
  DisableGatewayService: boolean;
}

/** `/IpamDriver.RequestPool`. */
export interface RequestPoolRequest {
  AddressSpace: string;
  Pool: string;
  SubPool: string;
  Options: Record<string, string>;
  V6: boolean;
}

/** `/IpamDriver.RequestPool` answer. */
export interface RequestPoolResponse {
  PoolID: string;
  Pool: string;
  Data: Record<string, string>;
}

/** `/IpamDriver.RequestAddress`. */
export interface RequestAddressRequest {
  PoolID: string;
  /** Wanted address (no prefix), or empty for "any". */
  Address: string;
  Options: Record<string, string>;
}

/** `/IpamDriver.RequestAddress` answer: the address in CIDR form with the pool's prefix. */
export interface RequestAddressResponse {
  Address: string;
  Data: Record<string, string>;
}

/** `/IpamDriver.ReleaseAddress`. */
export interface ReleaseAddressRequest {
  PoolID: string;
  Address: string;
}

/** `/IpamDriver.ReleasePool`. */
export interface ReleasePoolRequest {
  PoolID: string;
}

/** `/IpamDriver.GetCapabilities` answer (see the README for why both are false). */
export const IPAM_CAPABILITIES = { RequiresMACAddress: false, RequiresRequestReplay: false };
/** `/NetworkDriver.GetCapabilities` answer: local data, connectivity across the L2 segment. */
export const NETWORK_CAPABILITIES = { Scope: "local", ConnectivityScope: "global" };
/** `/Plugin.Activate` answer. */
export const MANIFEST = { Implements: ["NetworkDriver", "IpamDriver"] };

/** A JSON answer with the plugin media type. */
export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": PLUGIN_MEDIA_TYPE },
  });
}

/** An error answer: never 200, `Err` for dockerd's plugin client, `Error` for the IPAM proxy. */
export function errorResponse(message: string, status = 500): Response {
  return jsonResponse({ Err: message, Error: message }, status === 200 ? 500 : status);
}

/** Reads typed fields out of one request body, naming the method and field in every error. */
class Fields {
  readonly #method: string;
  readonly #v: Record<string, unknown>;
  constructor(method: string, value: unknown) {
    this.#method = method;
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw this.bad(`the body must be a JSON object, got ${describe(value)}`);
    }
    this.#v = value as Record<string, unknown>;
  }
  bad(detail: string): L2vlanError {
    return new L2vlanError(`Bad ${this.#method} request: ${detail}`, { status: 400 });
  }
  str(key: string, required = false): string {
    const x = this.#v[key];
    if (x === undefined || x === null || x === "") {
      if (required) throw this.bad(`field "${key}" is missing or empty`);
      return "";
    }
    if (typeof x !== "string") {
      throw this.bad(`field "${key}" must be a string, got ${describe(x)}`);
    }
    return x;
  }
  bool(key: string): boolean {
    const x = this.#v[key];
    if (x === undefined || x === null) return false;
    if (typeof x !== "boolean") throw this.bad(`field "${key}" must be a boolean`);
    return x;
  }
  obj(key: string): Record<string, unknown> {
    const x = this.#v[key];
    if (x === undefined || x === null) return {};
    if (typeof x !== "object" || Array.isArray(x)) {
      throw this.bad(`field "${key}" must be an object, got ${describe(x)}`);
    }
    return x as Record<string, unknown>;
  }
  strMap(key: string): Record<string, string> {
    const o = this.obj(key);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(o)) {
      if (typeof v !== "string") throw this.bad(`field "${key}.${k}" must be a string`);
      out[k] = v;
    }
    return out;
  }
  list(key: string): unknown[] {
    const x = this.#v[key];
    if (x === undefined || x === null) return [];
    if (!Array.isArray(x)) throw this.bad(`field "${key}" must be an array, got ${describe(x)}`);
    return x;
  }
  nested(key: string, value: unknown): Fields {
    const f = new Fields(`${this.#method} ${key}`, value ?? {});
    return f;
  }
}

function describe(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return "an array";
  return typeof x === "string" ? `string ${JSON.stringify(x.slice(0, 40))}` : typeof x;
}

/**
 * Parse a request body. An empty body (dockerd sends none for argument-less calls) is `{}`;
 * anything else must be JSON. Throws a 400 {@link L2vlanError} naming the method.
 */
export function parseBody(method: string, text: string): unknown {
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new L2vlanError(
      `Bad ${method} request: malformed JSON (${(err as Error).message})`,
      { status: 400 },
    );
  }
}

function ipamData(f: Fields, key: string): IpamData[] {
  return f.list(key).map((entry, i) => {
    const e = f.nested(`${key}[${i}]`, entry);
    return {
      AddressSpace: e.str("AddressSpace"),
      Pool: e.str("Pool", true),
      Gateway: e.str("Gateway"),
      AuxAddresses: e.strMap("AuxAddresses"),
    };
  });
}

/** Typed parsers, one per request shape. Each takes the method (for errors) and parsed JSON. */
export const parse = {
  createNetwork(method: string, v: unknown): CreateNetworkRequest {
    const f = new Fields(method, v);
    return {
      NetworkID: f.str("NetworkID", true),
      Options: f.obj("Options"),
      IPv4Data: ipamData(f, "IPv4Data"),
      IPv6Data: ipamData(f, "IPv6Data"),
    };
  },
  network(method: string, v: unknown): NetworkRequest {
    return { NetworkID: new Fields(method, v).str("NetworkID", true) };
  },
  endpoint(method: string, v: unknown): EndpointRequest {
    const f = new Fields(method, v);
    return { NetworkID: f.str("NetworkID", true), EndpointID: f.str("EndpointID", true) };
  },
  createEndpoint(method: string, v: unknown): CreateEndpointRequest {
    const f = new Fields(method, v);
    const i = f.nested("Interface", f.obj("Interface"));
    return {
      NetworkID: f.str("NetworkID", true),
      EndpointID: f.str("EndpointID", true),
      Interface: {
        Address: i.str("Address"),
        AddressIPv6: i.str("AddressIPv6"),
        MacAddress: i.str("MacAddress"),
      },
      Options: f.obj("Options"),
    };
  },
  join(method: string, v: unknown): JoinRequest {
    const f = new Fields(method, v);
    return {
      NetworkID: f.str("NetworkID", true),
      EndpointID: f.str("EndpointID", true),
      SandboxKey: f.str("SandboxKey"),
      Options: f.obj("Options"),
    };
  },
  requestPool(method: string, v: unknown): RequestPoolRequest {
    const f = new Fields(method, v);
    return {
      AddressSpace: f.str("AddressSpace"),
      Pool: f.str("Pool"),
      SubPool: f.str("SubPool"),
      Options: f.strMap("Options"),
      V6: f.bool("V6"),
    };
  },
  requestAddress(method: string, v: unknown): RequestAddressRequest {
    const f = new Fields(method, v);
    return {
      PoolID: f.str("PoolID", true),
      Address: f.str("Address"),
      Options: f.strMap("Options"),
    };
  },
  releaseAddress(method: string, v: unknown): ReleaseAddressRequest {
    const f = new Fields(method, v);
    return { PoolID: f.str("PoolID", true), Address: f.str("Address", true) };
  },
  releasePool(method: string, v: unknown): ReleasePoolRequest {
    return { PoolID: new Fields(method, v).str("PoolID", true) };
  },
};
