/**
 * One {@link HostConnector} per configured host: it turns a {@link HostConfig} into a negotiated
 * {@link DockerClient} on demand (unix, tcp/http, https with client TLS, ssh bridge, managed
 * daemon started first). The engine runs one independent event loop per connector, so a host
 * that cannot be reached only delays itself.
 *
 * @module
 */
import { describeFetchError, DockerClient } from "../docker/client.ts";
import { openTransport, type Transport } from "../docker/endpoint.ts";
import { DockerConnectError, errorMessage, ReactorError } from "../errors.ts";
import type { Log } from "../log.ts";
import type { spawnChild } from "../exec/spawn.ts";
import type { HostConnector } from "../docker/connector.ts";
import type { HostConfig } from "./config.ts";
import { ManagedDaemon } from "./managed.ts";
import { openSshTransport, type SshTransport } from "./ssh.ts";

/** The engine's connector contract plus what `reactor hosts` shows. */
export interface ConfiguredConnector extends HostConnector {
  /** The validated configuration. */
  readonly config: HostConfig;
  /** The managed daemon, for `type: managed`. */
  readonly managed?: ManagedDaemon;
  /**
   * Open a new transport and client and negotiate the API version (`/_ping`). A managed host's
   * daemon is started (or adopted) first. The previous client of this connector is closed.
   * Throws {@link DockerConnectError} (or ManagedHostError) with an actionable message.
   */
  connect(signal: AbortSignal): Promise<DockerClient>;
  /** Close the client and ssh bridge; stop a managed daemon. */
  close(): Promise<void>;
}

/** Dependencies for {@link createConnector}. */
export interface ConnectorDeps {
  log: Log;
  spawn?: typeof spawnChild;
  /** Per-attempt limit for connect + `/_ping` (default 10 s). */
  connectTimeoutMs?: number;
}

/** Make connectors for the enabled hosts. */
export function createConnectors(
  hosts: readonly HostConfig[],
  deps: ConnectorDeps,
): ConfiguredConnector[] {
  return hosts.filter((h) => !h.disabled).map((h) => createConnector(h, deps));
}

/**
 * Make the connector for one host. Throws {@link ReactorError} for a disabled host.
 *
 * @example
 * ```ts ignore
 * const c = createConnector(hosts[0], { log });
 * const docker = await c.connect(signal);
 * ```
 */
export function createConnector(cfg: HostConfig, deps: ConnectorDeps): ConfiguredConnector {
  if (cfg.disabled) {
    throw new ReactorError(
      `Docker host "${cfg.id}" is disabled — set disabled: false (or REACTOR_DOCKER_HOSTS_${
        cfg.id.toUpperCase().replace(/[^A-Z0-9]/g, "_")
      }_DISABLED=false) to use it`,
    );
  }
  const log = deps.log.child({ host: cfg.id });
  const ep = cfg.endpoint;
  const managed = cfg.managed
    ? new ManagedDaemon(cfg.id, cfg.host, cfg.managed, { log: deps.log, spawn: deps.spawn })
    : undefined;
  const local = cfg.type === "managed" || ep.kind === "unix" ||
    (ep.kind === "tcp" && ["127.0.0.1", "localhost", "::1"].includes(ep.hostname));
  let current: DockerClient | undefined;
  /** Every client handed out and not closed yet (concurrent connects must not leak one). */
  const open = new Set<DockerClient>();
  let warned = false;
  let closed = false;

  const connect = async (signal: AbortSignal): Promise<DockerClient> => {
    if (closed) throw new ReactorError(`Docker host "${cfg.id}" connector is closed`);
    if (!warned) {
      warned = true;
      for (const w of cfg.warnings) log.warn(w);
    }
    if (managed) await managed.start(signal);
    const previous = current;
    current = undefined;
    if (previous) {
      open.delete(previous);
      previous.close();
    }
    let transport: Transport;
    if (ep.kind === "ssh") {
      transport = await openSshTransport(ep, { log, sshArgs: cfg.sshArgs, spawn: deps.spawn });
    } else {
      transport = await openTransport(ep, cfg.clientTls);
    }
    const client = new DockerClient({ hostId: cfg.id, transport });
    const limit = AbortSignal.timeout(deps.connectTimeoutMs ?? 10_000);
    try {
      await client.negotiate(AbortSignal.any([signal, limit]));
    } catch (err) {
      // ssh's own reason (its exit status and stderr) arrives just after the failed request,
      // and only while the transport is open (closing it kills ssh on purpose)
      if (!signal.aborted) await (transport as Partial<SshTransport>).bridgesSettled?.(2000);
      client.close();
      if (signal.aborted) throw err;
      throw explainConnectError(cfg, err, transport, limit.aborted);
    }
    if (closed) {
      client.close();
      throw new ReactorError(`Docker host "${cfg.id}" connector is closed`);
    }
    current = client;
    open.add(client);
    return client;
  };

  return {
    id: cfg.id,
    local,
    describe: cfg.host,
    config: cfg,
    managed,
    connect,
    close: async () => {
      closed = true;
      current = undefined;
      const clients = [...open];
      open.clear();
      await Promise.all(clients.map(async (c) => {
        const t = c.transport as Partial<SshTransport>;
        if (t.closeAndWait) await t.closeAndWait();
        else c.close();
      }));
      await managed?.stop();
    },
  };
}

/** Turn a failed connect into one actionable line naming the host. */
export function explainConnectError(
  cfg: HostConfig,
  err: unknown,
  transport?: Transport,
  timedOut = false,
): ReactorError {
  if (err instanceof ReactorError && !(err instanceof DockerConnectError)) return err;
  const raw = err instanceof DockerConnectError
    ? describeFetchError(err.cause ?? err)
    : errorMessage(err);
  const where = `${cfg.host} (host "${cfg.id}")`;
  let detail = timedOut ? `no answer within the connect timeout (${raw})` : raw;
  const ssh = (transport as Partial<SshTransport> | undefined)?.lastError?.();
  if (ssh) detail = `${ssh}`;
  const tls = cfg.clientTls ?? {};
  if (/UnknownIssuer|unknown ?ca|certificate verify failed|self.signed/i.test(raw)) {
    detail = `TLS verification failed: the daemon's certificate is not signed by the trusted CA${
      tls.ca ? ` (clienttls.ca ${tls.ca})` : " (no clienttls.ca given: system roots only)"
    } [${raw}] — point clienttls.ca at the CA that signed the daemon's certificate`;
  } else if (/NotValidForName|certificate is not valid for|hostname mismatch/i.test(raw)) {
    detail =
      `TLS verification failed: the daemon's certificate does not name this address [${raw}] — connect with a name or IP listed in its subjectAltName`;
  } else if (/CertificateRequired|BadCertificate|UnknownCA|bad certificate/i.test(raw)) {
    detail = `TLS handshake refused by the daemon: ${raw} — ${
      tls.cert
        ? "the daemon does not accept clienttls.cert (signed by a CA it does not trust?)"
        : "it requires a client certificate; set clienttls.cert and clienttls.key"
    }`;
  }
  return new DockerConnectError(where, detail, { cause: err });
}
