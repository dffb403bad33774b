/**
 * `ssh://[user@]host[:port][/remote.sock]` done the way the docker CLI does it: every HTTP
 * connection is one `ssh … -- host docker system dial-stdio` process whose stdin/stdout carry the
 * bytes. Deno's HTTP client cannot use a pipe, so a private unix socket (mode 0700 temp dir)
 * accepts connections and bridges each one to its own ssh process. The system `ssh` is used, so
 * the user's keys, agent and `~/.ssh/config` apply; `BatchMode=yes` keeps a daemon from hanging
 * on a password prompt.
 *
 * @module
 */
import type { Endpoint, Transport } from "../docker/endpoint.ts";
import { oneLine } from "../errors.ts";
import type { Log } from "../log.ts";
import { spawnChild, type SpawnedChild } from "../exec/spawn.ts";

/** Options for {@link openSshTransport}. */
export interface SshTransportOptions {
  log: Log;
  /** Extra ssh arguments placed before `--` (e.g. `-i key -o UserKnownHostsFile=…`). */
  sshArgs?: readonly string[];
  /** The ssh program (default `ssh`). */
  sshCommand?: string;
  /** Spawner (tests may substitute it). */
  spawn?: typeof spawnChild;
}

/** A transport whose connections are ssh processes. */
export interface SshTransport extends Transport {
  /** The local bridge socket. */
  readonly socketPath: string;
  /** ssh processes currently alive. */
  readonly activeProcesses: number;
  /** The last ssh failure (`ssh exited with code 255: Permission denied (publickey)`), if any. */
  lastError(): string | undefined;
  /**
   * Wait (at most `ms`) until the bridges open now have finished: a request fails as soon as
   * ssh closes its output, slightly before its exit status (and so {@link lastError}) is known.
   */
  bridgesSettled(ms: number): Promise<void>;
  /** Close and wait until every ssh process has exited and the socket is gone. */
  closeAndWait(): Promise<void>;
}

/** The ssh argv for one connection (exported for tests). */
export function sshArgv(
  ep: Extract<Endpoint, { kind: "ssh" }>,
  opts: { sshArgs?: readonly string[]; sshCommand?: string } = {},
): string[] {
  const remoteSock = remoteSocketPath(ep.url);
  return [
    opts.sshCommand ?? "ssh",
    ...(ep.user ? ["-l", ep.user] : []),
    ...(ep.port ? ["-p", String(ep.port)] : []),
    "-o",
    "ConnectTimeout=30",
    "-o",
    "BatchMode=yes",
    "-T",
    ...(opts.sshArgs ?? []),
    "--",
    ep.hostname.replace(/^\[(.*)\]$/, "$1"),
    "docker",
    ...(remoteSock ? [`--host=unix://${remoteSock}`] : []),
    "system",
    "dial-stdio",
  ];
}

/**
 * Problems with an `ssh://` URL that ssh would not catch: the remote socket path becomes part of
 * the command line the REMOTE shell parses, so only plain path characters are accepted.
 */
export function sshEndpointProblem(url: string): string | undefined {
  const p = remoteSocketPath(url);
  if (p !== undefined && !/^\/[A-Za-z0-9_.\/@+-]*$/.test(p)) {
    return `the remote socket path "${p}" may only contain letters, digits and _ . / @ + - (the remote shell parses it)`;
  }
  return undefined;
}

function remoteSocketPath(url: string): string | undefined {
  try {
    const p = decodeURIComponent(new URL(url).pathname);
    return p && p !== "/" ? p : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Open the bridge. Nothing is spawned until the HTTP client connects.
 *
 * @example
 * ```ts ignore
 * const t = await openSshTransport(parseEndpoint("ssh://me@box") as SshEndpoint, { log });
 * const docker = new DockerClient({ hostId: "box", transport: t });
 * ```
 */
export async function openSshTransport(
  ep: Extract<Endpoint, { kind: "ssh" }>,
  opts: SshTransportOptions,
): Promise<SshTransport> {
  const spawn = opts.spawn ?? spawnChild;
  const argv = sshArgv(ep, opts);
  const dir = await Deno.makeTempDir({ prefix: "reactor-ssh-" });
  await Deno.chmod(dir, 0o700);
  const socketPath = `${dir}/docker.sock`;
  const listener = Deno.listen({ transport: "unix", path: socketPath });
  const children = new Set<SpawnedChild>();
  const conns = new Set<Deno.Conn>();
  const pending = new Set<Promise<void>>();
  let lastError: string | undefined;
  let closed = false;
  const log = opts.log.child({ transport: ep.url });

  const bridge = async (conn: Deno.Conn) => {
    let child: SpawnedChild;
    try {
      child = spawn(argv, {
        stdin: "piped",
        stdout: "piped",
        onLine: (_s, line) => log.debug(`ssh: ${line}`),
      });
    } catch (err) {
      lastError = (err as Error).message;
      log.warn(`Cannot start ssh for ${ep.url}: ${lastError}`);
      conn.close();
      return;
    }
    children.add(child);
    conns.add(conn);
    const up = conn.readable.pipeTo(child.stdin!).catch(() => {});
    const down = child.stdout!.pipeTo(conn.writable).catch(() => {});
    const st = await child.status;
    if (st.code !== 0 && !closed) {
      const tail = oneLine(child.stderrTail().join("\n"));
      lastError = `ssh exited with code ${st.code}${tail ? `: ${tail}` : ""}`;
      log.debug(`ssh bridge to ${ep.url} failed: ${lastError}`);
    }
    await down;
    try {
      conn.close();
    } catch { /* already closed */ }
    await up;
    children.delete(child);
    conns.delete(conn);
  };

  const accepting = (async () => {
    while (!closed) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch {
        break;
      }
      if (closed) {
        conn.close();
        break;
      }
      const p = bridge(conn).catch(() => {});
      pending.add(p);
      p.finally(() => pending.delete(p));
    }
  })();

  const client = Deno.createHttpClient({ proxy: { transport: "unix", path: socketPath } });

  const close = () => {
    if (closed) return;
    closed = true;
    try {
      client.close();
    } catch { /* already */ }
    try {
      listener.close();
    } catch { /* already */ }
    for (const c of children) c.kill("SIGTERM");
    for (const c of conns) {
      try {
        c.close();
      } catch { /* already */ }
    }
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch { /* gone */ }
  };

  return {
    baseUrl: "http://docker",
    client,
    describe: ep.url,
    socketPath,
    get activeProcesses() {
      return children.size;
    },
    lastError: () => lastError,
    async bridgesSettled(ms: number) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.allSettled([...pending]),
        new Promise((r) => timer = setTimeout(r, ms)),
      ]);
      clearTimeout(timer);
    },
    close,
    closeAndWait: async () => {
      close();
      await accepting;
      const grace = setTimeout(() => {
        for (const c of children) c.kill("SIGKILL");
      }, 3000);
      await Promise.allSettled([...pending]);
      clearTimeout(grace);
    },
  };
}
