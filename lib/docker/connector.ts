/**
 * The simplest {@link HostConnector}: one endpoint URL (unix, tcp, http, https with client TLS).
 * Multi-host configuration (ssh, managed daemons, contexts) builds richer connectors in `lib/hosts/`.
 *
 * @module
 */
import type { Log } from "../log.ts";
import type { HostConnector } from "../engine/reactor.ts";
import { DockerClient } from "./client.ts";
import { type ClientTls, type Endpoint, openTransport, parseEndpoint } from "./endpoint.ts";

/** Connector for a plain endpoint. Each `connect()` opens a fresh HTTP client. */
export function endpointConnector(
  init: { id: string; url: string; tls?: ClientTls; log?: Log },
): HostConnector {
  const ep: Endpoint = parseEndpoint(init.url, { tls: !!init.tls });
  if (ep.kind === "tcp" && !ep.tls) {
    init.log?.warn(
      `Docker host "${init.id}" uses unencrypted ${ep.url}: anyone on the network can control it — use https:// with client TLS`,
      { host: init.id },
    );
  }
  return {
    id: init.id,
    local: ep.kind === "unix",
    describe: ep.url,
    connect: async () =>
      new DockerClient({ hostId: init.id, transport: await openTransport(ep, init.tls) }),
    close: () => Promise.resolve(),
  };
}
