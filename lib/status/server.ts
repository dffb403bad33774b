/**
 * The daemon's status endpoint for `reactor status`: `GET /status` answers the
 * {@link DaemonStatus} as JSON on a unix socket in the state directory (`reactor.sock`, mode
 * 0600: root only, like the state it describes). Handler first ({@link statusHandler},
 * testable with `new Request`), socket second ({@link serveStatus}).
 *
 * @module
 */
import { errorMessage, ReactorError } from "../errors.ts";
import type { Log } from "../log.ts";
import type { DaemonStatus } from "./model.ts";

/** The socket's name inside the state directory. */
export const STATUS_SOCKET = "reactor.sock";

/** Longest unix socket path Linux accepts (sun_path is 108 bytes with the NUL). */
const MAX_SOCKET_PATH = 107;

/** The status socket of a state directory. */
export function statusSocketPath(stateDir: string): string {
  return `${stateDir.replace(/\/+$/, "")}/${STATUS_SOCKET}`;
}

function json(status: number, body: unknown, head: boolean): Response {
  return new Response(head ? null : JSON.stringify(body) + "\n", {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}

/** The request handler: `GET /status`. Never throws (a failing snapshot answers 500). */
export function statusHandler(snapshot: () => DaemonStatus): (req: Request) => Response {
  return (req) => {
    const head = req.method === "HEAD";
    if (req.method !== "GET" && !head) {
      return json(405, { error: `method ${req.method} not allowed — use GET` }, head);
    }
    if (new URL(req.url).pathname !== "/status") {
      return json(404, { error: "not found — the status is at /status" }, head);
    }
    try {
      return json(200, snapshot(), head);
    } catch (err) {
      return json(500, { error: errorMessage(err) }, head);
    }
  };
}

/** A serving status socket. */
export interface StatusServer {
  readonly path: string;
  /** Stop serving and remove the socket. */
  close(): Promise<void>;
}

/**
 * Serve `handler` on the unix socket `path` (mode 0600). A socket left by an earlier daemon is
 * replaced: call this only while holding the state directory's lock. Throws ReactorError when
 * the socket cannot be bound.
 */
export async function serveStatus(
  o: { path: string; handler: (req: Request) => Response | Promise<Response>; log: Log },
): Promise<StatusServer> {
  if (new TextEncoder().encode(o.path).length > MAX_SOCKET_PATH) {
    throw new ReactorError(
      `Cannot serve reactor status on ${o.path}: the path is longer than ${MAX_SOCKET_PATH} bytes — use a shorter --state-dir`,
    );
  }
  await Deno.remove(o.path).catch(() => {});
  let server: Deno.HttpServer<Deno.UnixAddr>;
  try {
    server = Deno.serve({
      path: o.path,
      onListen: () => {},
      onError: (err) => {
        o.log.warn(`Status request failed: ${errorMessage(err)}`);
        return new Response("internal error\n", { status: 500 });
      },
    }, o.handler);
  } catch (err) {
    throw new ReactorError(`Cannot serve reactor status on ${o.path}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  await Deno.chmod(o.path, 0o600);
  let closed: Promise<void> | undefined;
  return {
    path: o.path,
    close: () =>
      closed ??= (async () => {
        await server.shutdown().catch(() => {});
        await Deno.remove(o.path).catch(() => {});
      })(),
  };
}
