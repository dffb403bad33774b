/**
 * The HTTP side of the l2vlan plugin: `(req: Request) => Promise<Response>`, no socket in here
 * (see `serve.ts`). dockerd POSTs `/<Interface>.<Method>` with a JSON body (empty for
 * argument-less calls), an empty `Host:` and no Content-Type.
 *
 * @example
 * ```ts ignore
 * const handle = createL2vlanHandler(driver, log);
 * const res = await handle(new Request("http://plugin/NetworkDriver.GetCapabilities", { method: "POST" }));
 * ```
 *
 * @module
 */
import { errorMessage } from "../../errors.ts";
import type { L2vlanDriver } from "./driver.ts";
import type { PluginLog } from "./network.ts";
import {
  errorResponse,
  GLOBAL_ADDRESS_SPACE,
  IPAM_CAPABILITIES,
  jsonResponse,
  L2vlanError,
  LOCAL_ADDRESS_SPACE,
  MANIFEST,
  NETWORK_CAPABILITIES,
  parse,
  parseBody,
} from "./protocol.ts";

type Route = (driver: L2vlanDriver, method: string, body: unknown) => unknown;

const EMPTY = () => ({});

/** Every method l2vlan answers, by URL path. */
const ROUTES: Record<string, Route> = {
  "/Plugin.Activate": () => MANIFEST,
  "/NetworkDriver.GetCapabilities": () => NETWORK_CAPABILITIES,
  "/NetworkDriver.CreateNetwork": (d, m, b) => d.createNetwork(parse.createNetwork(m, b)),
  "/NetworkDriver.DeleteNetwork": (d, m, b) => d.deleteNetwork(parse.network(m, b).NetworkID),
  "/NetworkDriver.AllocateNetwork": (_d, m, b) => {
    parse.createNetwork(m, b);
    return { Options: {} };
  },
  "/NetworkDriver.FreeNetwork": (_d, m, b) => (parse.network(m, b), {}),
  "/NetworkDriver.CreateEndpoint": (d, m, b) => d.createEndpoint(parse.createEndpoint(m, b)),
  "/NetworkDriver.DeleteEndpoint": (d, m, b) => d.deleteEndpoint(parse.endpoint(m, b)),
  "/NetworkDriver.EndpointOperInfo": (d, m, b) => d.endpointOperInfo(parse.endpoint(m, b)),
  "/NetworkDriver.Join": (d, m, b) => d.join(parse.join(m, b)),
  "/NetworkDriver.Leave": (d, m, b) => d.leave(parse.endpoint(m, b)),
  "/NetworkDriver.ProgramExternalConnectivity": (_d, m, b) => (parse.endpoint(m, b), {}),
  "/NetworkDriver.RevokeExternalConnectivity": (_d, m, b) => (parse.endpoint(m, b), {}),
  "/NetworkDriver.DiscoverNew": EMPTY,
  "/NetworkDriver.DiscoverDelete": EMPTY,
  "/IpamDriver.GetCapabilities": () => IPAM_CAPABILITIES,
  "/IpamDriver.GetDefaultAddressSpaces": () => ({
    LocalDefaultAddressSpace: LOCAL_ADDRESS_SPACE,
    GlobalDefaultAddressSpace: GLOBAL_ADDRESS_SPACE,
  }),
  "/IpamDriver.RequestPool": (d, m, b) => d.requestPool(parse.requestPool(m, b)),
  "/IpamDriver.ReleasePool": (d, m, b) => d.releasePool(parse.releasePool(m, b).PoolID),
  "/IpamDriver.RequestAddress": (d, m, b) => d.requestAddress(parse.requestAddress(m, b)),
  "/IpamDriver.ReleaseAddress": (d, m, b) => {
    const r = parse.releaseAddress(m, b);
    return d.releaseAddress(r.PoolID, r.Address);
  },
};

/** The URL paths {@link createL2vlanHandler} answers (for tests and docs). */
export const L2VLAN_METHODS: readonly string[] = Object.keys(ROUTES);

/**
 * Build the request handler. Never throws: every failure becomes an error answer
 * (`{"Err": …, "Error": …}`, status 400/500, 404 for unknown methods) and a log line.
 */
export function createL2vlanHandler(
  driver: L2vlanDriver,
  log: PluginLog,
): (req: Request) => Promise<Response> {
  return async (req: Request): Promise<Response> => {
    let path: string;
    try {
      path = new URL(req.url).pathname;
    } catch {
      path = req.url;
    }
    const route = ROUTES[path];
    if (!route) {
      log.debug("l2vlan unknown method", { path });
      return errorResponse(`l2vlan does not implement ${path}`, 404);
    }
    const method = path.slice(1);
    try {
      const text = await req.text();
      const body = parseBody(`/${method}`, text);
      const out = await route(driver, `/${method}`, body);
      log.debug("l2vlan call", { method });
      return jsonResponse(out);
    } catch (err) {
      const status = err instanceof L2vlanError ? err.status : 500;
      const message = errorMessage(err);
      log.warn("l2vlan call failed", { method, status, error: message });
      return errorResponse(message, status);
    }
  };
}
