/**
 * How the engine reaches a Docker host: a {@link HostConnector} (connect, describe, close), and
 * the simplest one, a single endpoint URL (unix, tcp, http, https with client TLS). Multi-host
 * configuration (ssh, managed daemons, contexts) builds richer connectors in `lib/hosts/`.
 *
 * @module
 */
import type { Log } from "../log.ts";
import { DockerClient } from "./client.ts";
import { type ClientTls, type Endpoint, openTransport, parseEndpoint } from "./endpoint.ts";

/** A configured Docker host the engine can connect to. */
export interface HostConnector {
  /** Host id (`default`, `local`, …). */
  readonly id: string;
  /** True when the engine runs on this machine (namespaces reachable with nsenter). */
  readonly local: boolean;
  /** Endpoint description for logs (`unix:///var/run/docker.sock`). */
  readonly describe: string;
  /** Connect (starting a managed daemon if needed) and return a client (not yet negotiated). */
  connect(signal: AbortSignal): Promise<DockerClient>;
  /** Release resources (stop a managed daemon, close tunnels). */
  close(): Promise<void>;
}

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
