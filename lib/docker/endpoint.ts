/**
 * Docker endpoints: parse `unix://`, `tcp://`, `http://`, `https://` (and `ssh://`, handled by
 * a transport that bridges to a local unix socket) and build the HTTP client that talks to them.
 *
 * @module
 */
import { UsageError } from "../errors.ts";
import { UnixHttpClient, type UnixRequest } from "./unix_http.ts";

/** Client TLS material (file paths). */
export interface ClientTls {
  ca?: string;
  cert?: string;
  key?: string;
}

/** A parsed endpoint. */
export type Endpoint =
  | { kind: "unix"; path: string; url: string }
  | { kind: "tcp"; hostname: string; port: number; tls: boolean; url: string }
  | { kind: "ssh"; user?: string; hostname: string; port?: number; url: string; socket?: string };

/** Default local socket. */
export const DEFAULT_SOCKET = "unix:///var/run/docker.sock";

/**
 * Parse a `DOCKER_HOST`-style URL.
 *
 * @example
 * ```ts
 * import { parseEndpoint } from "./endpoint.ts";
 * parseEndpoint("unix:///var/run/docker.sock"); // { kind: "unix", path: "/var/run/docker.sock", … }
 * ```
 */
export function parseEndpoint(raw: string, opts: { tls?: boolean } = {}): Endpoint {
  const value = raw.trim();
  if (value.startsWith("unix://")) {
    const path = value.slice("unix://".length);
    if (!path.startsWith("/")) {
      throw new UsageError(
        `Invalid Docker host "${raw}": a unix socket path must be absolute (unix:///path/to/docker.sock)`,
      );
    }
    return { kind: "unix", path, url: value };
  }
  if (value.startsWith("/")) return { kind: "unix", path: value, url: `unix://${value}` };
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new UsageError(
      `Invalid Docker host "${raw}": expected unix:///path, tcp://host:port, http(s)://host:port or ssh://user@host`,
    );
  }
  switch (u.protocol) {
    case "tcp:":
    case "http:":
    case "https:": {
      const tls = u.protocol === "https:" || (u.protocol === "tcp:" && !!opts.tls);
      const port = u.port ? Number(u.port) : tls ? 2376 : 2375;
      const hostname = u.hostname.replace(/^\[(.*)\]$/, "$1");
      if (!hostname) throw new UsageError(`Invalid Docker host "${raw}": missing host name`);
      return {
        kind: "tcp",
        hostname,
        port,
        tls,
        url: `${tls ? "https" : "http"}://${u.host.includes(":") ? u.host : `${u.host}:${port}`}`,
      };
    }
    case "ssh:": {
      if (!u.hostname) throw new UsageError(`Invalid Docker host "${raw}": missing host name`);
      return {
        kind: "ssh",
        user: u.username ? decodeURIComponent(u.username) : undefined,
        hostname: u.hostname,
        port: u.port ? Number(u.port) : undefined,
        url: value,
      };
    }
    default:
      throw new UsageError(
        `Invalid Docker host "${raw}": unsupported scheme "${u.protocol}" (use unix, tcp, http, https or ssh)`,
      );
  }
}

/** An HTTP client plus the base URL that reaches the Engine through it. */
export interface Transport {
  /** `http://docker` for unix sockets, `https://host:port` for TCP. */
  readonly baseUrl: string;
  /** The `fetch` client (TCP, TLS, the ssh bridge); absent when {@link request} sends. */
  readonly client?: Deno.HttpClient;
  /** Send requests without `fetch` (unix sockets, see `unix_http.ts`). */
  readonly request?: (req: UnixRequest) => Promise<Response>;
  /** Human description used in logs and errors (`unix:///var/run/docker.sock`). */
  readonly describe: string;
  /** Release the connections. Idempotent: the engine and a connector may both call it. */
  close(): void;
}

/** Make a transport for unix or tcp endpoints. ssh endpoints need `lib/hosts/ssh.ts`. */
export async function openTransport(ep: Endpoint, tls?: ClientTls): Promise<Transport> {
  if (ep.kind === "unix") return unixTransport(ep.path, ep.url);
  if (ep.kind === "tcp") {
    const opts: Deno.CreateHttpClientOptions & Partial<Deno.TlsCertifiedKeyPem> = {
      http2: false,
      http1: true,
    };
    if (ep.tls && tls) {
      if (tls.ca) opts.caCerts = [await readPem(tls.ca, "ca")];
      if (tls.cert || tls.key) {
        if (!tls.cert || !tls.key) {
          throw new UsageError(
            `Invalid TLS settings for ${ep.url}: "cert" and "key" must be given together`,
          );
        }
        opts.cert = await readPem(tls.cert, "cert");
        opts.key = await readPem(tls.key, "key");
      }
    }
    const client = Deno.createHttpClient(opts as Deno.CreateHttpClientOptions);
    let closed = false;
    return {
      baseUrl: ep.url,
      client,
      describe: ep.url,
      close: () => {
        if (!closed) client.close();
        closed = true;
      },
    };
  }
  throw new UsageError(
    `Docker host ${ep.url}: ssh transport must be opened with openSshTransport() (lib/hosts/ssh.ts)`,
  );
}

/**
 * A transport to a unix socket that does not go through `fetch` (see `unix_http.ts`: no
 * blocking thread per connection, connections reused).
 */
export function unixTransport(path: string, describe = `unix://${path}`): Transport {
  const http = new UnixHttpClient(path);
  return {
    baseUrl: "http://docker",
    request: (req) => http.request(req),
    describe,
    close: () => http.close(),
  };
}

async function readPem(path: string, what: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    throw new UsageError(
      `Cannot read TLS ${what} file "${path}": ${
        (err as Error).message
      } — fix the clienttls.${what} path`,
    );
  }
}
