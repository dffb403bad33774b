/**
 * A minimal HTTP/1.1 server on a unix socket for fake engines: keep-alive, bodies with
 * `Content-Length` or (with the {@link STREAM_HEADER} header) streamed as chunks, and a `close()` that closes every connection at once
 * (`Deno.serve`'s graceful shutdown can wait minutes for connections a client abandoned).
 * Requests with bodies are not supported (the Engine API calls faked here have none).
 *
 * @module
 */

/** A running server. */
export interface UnixHttpServer {
  /** Stop listening and close every connection (streamed bodies are cancelled); idempotent. */
  close(): Promise<void>;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const CRLF2 = [13, 10, 13, 10];
/** A response with this header is streamed as chunks, and its connection closed after it. */
export const STREAM_HEADER = "x-stream";
const HIDDEN = new Set(["content-length", "transfer-encoding", STREAM_HEADER]);

function indexOfHeadEnd(buf: Uint8Array, len: number): number {
  outer: for (let i = 0; i + 3 < len; i++) {
    for (let k = 0; k < 4; k++) if (buf[i + k] !== CRLF2[k]) continue outer;
    return i;
  }
  return -1;
}

/**
 * Serve `handler` on `path`. When `hang` is true, connections are accepted and read but never
 * answered (an engine that is stuck).
 */
export function serveUnix(
  path: string,
  handler: (req: Request) => Response | Promise<Response>,
  opts: { hang?: boolean } = {},
): UnixHttpServer {
  const listener = Deno.listen({ transport: "unix", path });
  const conns = new Set<Deno.Conn>();
  const bodies = new Set<ReadableStreamDefaultReader<Uint8Array>>();
  let closed = false;

  const write = async (conn: Deno.Conn, data: Uint8Array) => {
    let off = 0;
    while (off < data.length) off += await conn.write(data.subarray(off));
  };

  const respond = async (conn: Deno.Conn, res: Response) => {
    const head = [`HTTP/1.1 ${res.status} ${res.statusText || "OK"}`];
    res.headers.forEach((v, k) => {
      if (!HIDDEN.has(k)) head.push(`${k}: ${v}`);
    });
    if (!res.body) {
      head.push("content-length: 0");
      await write(conn, enc.encode(head.join("\r\n") + "\r\n\r\n"));
      return;
    }
    if (!res.headers.has(STREAM_HEADER)) {
      const body = new Uint8Array(await res.arrayBuffer());
      head.push(`content-length: ${body.length}`);
      const h = enc.encode(head.join("\r\n") + "\r\n\r\n");
      const all = new Uint8Array(h.length + body.length);
      all.set(h);
      all.set(body, h.length);
      await write(conn, all);
      return;
    }
    head.push("transfer-encoding: chunked", "connection: close");
    await write(conn, enc.encode(head.join("\r\n") + "\r\n\r\n"));
    const reader = res.body.getReader();
    bodies.add(reader);
    // the client sends nothing more on this connection: EOF means it went away
    const gone = () => void reader.cancel().catch(() => {});
    conn.read(new Uint8Array(1)).then((n) => n === null && gone(), gone);
    try {
      for (;;) {
        const { done, value } = await reader.read(); // an errored body ends the connection
        if (done) break;
        if (!value.length) continue;
        const size = enc.encode(`${value.length.toString(16)}\r\n`);
        const chunk = new Uint8Array(size.length + value.length + 2);
        chunk.set(size);
        chunk.set(value, size.length);
        chunk.set([13, 10], size.length + value.length);
        await write(conn, chunk);
      }
      await write(conn, enc.encode("0\r\n\r\n"));
    } catch (err) {
      await reader.cancel(err).catch(() => {});
      throw err;
    } finally {
      bodies.delete(reader);
    }
    throw new Error("streamed: close the connection");
  };

  const serveConn = async (conn: Deno.Conn) => {
    conns.add(conn);
    let buf = new Uint8Array(16 * 1024);
    let len = 0;
    try {
      for (;;) {
        let end: number;
        while ((end = indexOfHeadEnd(buf, len)) < 0) {
          if (len === buf.length) {
            const bigger = new Uint8Array(buf.length * 2);
            bigger.set(buf);
            buf = bigger;
          }
          const n = await conn.read(buf.subarray(len));
          if (n === null) return;
          len += n;
        }
        const head = dec.decode(buf.subarray(0, end));
        buf.copyWithin(0, end + 4, len);
        len -= end + 4;
        if (opts.hang) continue;
        const [line = "", ...fields] = head.split("\r\n");
        const [method = "GET", target = "/"] = line.split(" ");
        const headers = new Headers();
        for (const f of fields) {
          const i = f.indexOf(":");
          if (i > 0) headers.append(f.slice(0, i).trim(), f.slice(i + 1).trim());
        }
        // a client that thinks of the socket as a proxy sends the absolute form
        const url = /^https?:\/\//.test(target) ? target : `http://docker${target}`;
        const req = new Request(url, { method, headers });
        let res: Response;
        try {
          res = await handler(req);
        } catch (err) {
          res = Response.json({ message: String(err) }, { status: 500 });
        }
        await respond(conn, res);
        if (headers.get("connection")?.toLowerCase() === "close") return;
      }
    } catch {
      // the peer went away, or close() closed the connection
    } finally {
      conns.delete(conn);
      try {
        conn.close();
      } catch { /* already closed */ }
    }
  };

  const accepting = (async () => {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch {
        return;
      }
      if (closed) {
        conn.close();
        return;
      }
      void serveConn(conn);
    }
  })();

  return {
    async close() {
      if (closed) return;
      closed = true;
      listener.close();
      for (const r of bodies) await r.cancel().catch(() => {});
      for (const c of conns) {
        try {
          c.close();
        } catch { /* already closed */ }
      }
      await accepting;
      try {
        Deno.removeSync(path);
      } catch { /* gone */ }
    },
  };
}
