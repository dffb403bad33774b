/**
 * HTTP/1.1 over a unix socket for the Engine API, on `Deno.connect` with a small keep-alive
 * pool. `fetch` with a unix-socket `Deno.HttpClient` holds one thread of Deno's blocking pool
 * (32 threads) per open connection, even idle pooled ones after `close()`: with a few dozen
 * connections (several engines, parallel inspects) every async file operation of the process
 * stalls. This client has no such limit and answers with standard `Response` objects.
 *
 * Framing: `Content-Length`, `chunked`, or (hijacked streams such as exec output) until the
 * daemon closes the connection. Aborting a request closes its connection.
 *
 * @module
 */

/** What {@link UnixHttpClient.request} sends. */
export interface UnixRequest {
  method: string;
  /** Path and query (`/v1.53/containers/json?all=1`). */
  target: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
/** Bodies up to this size are read at once and the connection released before returning. */
const EAGER_MAX = 1 << 20;

/** A connection with a read buffer. */
class Conn {
  buf: Uint8Array<ArrayBuffer> = new Uint8Array(16 * 1024);
  start = 0;
  end = 0;
  closed = false;
  constructor(readonly conn: Deno.UnixConn) {}

  /** Read more bytes into the buffer; false at EOF. */
  async fill(): Promise<boolean> {
    if (this.start > 0 && this.start === this.end) this.start = this.end = 0;
    if (this.end === this.buf.length) {
      const live = this.end - this.start;
      const next = live * 2 > this.buf.length ? new Uint8Array(this.buf.length * 2) : this.buf;
      next.set(this.buf.subarray(this.start, this.end));
      this.buf = next;
      this.start = 0;
      this.end = live;
    }
    const n = await this.conn.read(this.buf.subarray(this.end));
    if (n === null) return false;
    this.end += n;
    return true;
  }

  /** The next line (without CRLF); throws at EOF. */
  async line(): Promise<string> {
    for (;;) {
      for (let i = this.start; i + 1 < this.end; i++) {
        if (this.buf[i] === 13 && this.buf[i + 1] === 10) {
          const s = dec.decode(this.buf.subarray(this.start, i));
          this.start = i + 2;
          return s;
        }
      }
      if (!await this.fill()) throw new Deno.errors.UnexpectedEof("connection closed mid-response");
    }
  }

  /** Up to `max` buffered (or newly read) bytes; empty at EOF. */
  async some(max: number): Promise<Uint8Array<ArrayBuffer>> {
    if (this.start === this.end && !await this.fill()) return new Uint8Array(0);
    const n = Math.min(max, this.end - this.start);
    const out = this.buf.slice(this.start, this.start + n);
    this.start += n;
    return out;
  }

  /** Exactly `n` bytes; throws at EOF. */
  async exactly(n: number): Promise<Uint8Array<ArrayBuffer>> {
    const out = new Uint8Array(n);
    let off = 0;
    while (off < n) {
      const part = await this.some(n - off);
      if (!part.length) throw new Deno.errors.UnexpectedEof("connection closed mid-body");
      out.set(part, off);
      off += part.length;
    }
    return out;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }
}

interface Head {
  status: number;
  statusText: string;
  headers: Headers;
}

async function readHead(c: Conn): Promise<Head> {
  let line = await c.line();
  let m = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(line);
  // skip interim 1xx answers
  while (m && m[1]!.startsWith("1") && m[1] !== "101") {
    while ((await c.line()) !== "");
    line = await c.line();
    m = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(line);
  }
  if (!m) throw new TypeError(`Invalid HTTP response line: ${line.slice(0, 80)}`);
  const headers = new Headers();
  for (let h = await c.line(); h !== ""; h = await c.line()) {
    const i = h.indexOf(":");
    if (i > 0) headers.append(h.slice(0, i).trim(), h.slice(i + 1).trim());
  }
  return { status: Number(m[1]), statusText: m[2] ?? "", headers };
}

/** An HTTP/1.1 client for one unix socket. */
export class UnixHttpClient {
  readonly path: string;
  readonly #idle: Conn[] = [];
  readonly #open = new Set<Conn>();
  readonly #maxIdle: number;
  #closed = false;

  constructor(path: string, opts: { maxIdle?: number } = {}) {
    this.path = path;
    this.#maxIdle = opts.maxIdle ?? 32;
  }

  /** Connections open now (idle or busy). */
  get connections(): number {
    return this.#open.size;
  }

  /** Send one request; the body of the answer streams (closing its connection if aborted). */
  async request(req: UnixRequest): Promise<Response> {
    const signal = req.signal;
    signal?.throwIfAborted();
    const idempotent = req.method === "GET" || req.method === "HEAD";
    for (let attempt = 0;; attempt++) {
      const reused = this.#idle.pop();
      const c = reused ?? await this.#connect();
      const onAbort = () => c.close();
      signal?.addEventListener("abort", onAbort, { once: true });
      let head: Head;
      try {
        await this.#write(c, req);
        head = await readHead(c);
      } catch (err) {
        signal?.removeEventListener("abort", onAbort);
        this.#drop(c);
        if (signal?.aborted) throw signal.reason;
        // a keep-alive connection the daemon closed meanwhile: try once on a fresh one
        if (reused && idempotent && attempt === 0) continue;
        throw err;
      }
      return this.#response(c, req, head, () => signal?.removeEventListener("abort", onAbort));
    }
  }

  /** Close every connection (requests in flight fail). */
  close(): void {
    this.#closed = true;
    for (const c of this.#open) c.close();
    this.#open.clear();
    this.#idle.length = 0;
  }

  async #connect(): Promise<Conn> {
    if (this.#closed) throw new TypeError("HTTP client is closed");
    const c = new Conn(await Deno.connect({ transport: "unix", path: this.path }));
    this.#open.add(c);
    return c;
  }

  async #write(c: Conn, req: UnixRequest): Promise<void> {
    const body = req.body === undefined ? undefined : enc.encode(req.body);
    let head = `${req.method} ${req.target} HTTP/1.1\r\nHost: docker\r\n`;
    for (const [k, v] of Object.entries(req.headers ?? {})) head += `${k}: ${v}\r\n`;
    if (body) head += `Content-Length: ${body.length}\r\n`;
    const h = enc.encode(head + "\r\n");
    const all = body ? new Uint8Array(h.length + body.length) : h;
    if (body) {
      all.set(h);
      all.set(body, h.length);
    }
    for (let off = 0; off < all.length;) off += await c.conn.write(all.subarray(off));
  }

  #release(c: Conn, reusable: boolean): void {
    if (reusable && !this.#closed && !c.closed && this.#idle.length < this.#maxIdle) {
      this.#idle.push(c);
    } else this.#drop(c);
  }

  #drop(c: Conn): void {
    c.close();
    this.#open.delete(c);
  }

  async #response(c: Conn, req: UnixRequest, head: Head, done: () => void): Promise<Response> {
    const { status, statusText, headers } = head;
    const keepAlive = headers.get("connection")?.toLowerCase() !== "close";
    const te = headers.get("transfer-encoding")?.toLowerCase();
    const cl = headers.get("content-length");
    const init = { status, statusText, headers };
    if (req.method === "HEAD" || status === 204 || status === 304) {
      done();
      this.#release(c, keepAlive);
      return new Response(null, init);
    }
    if (!te && cl !== null && Number(cl) <= EAGER_MAX) {
      try {
        const body = await c.exactly(Number(cl));
        this.#release(c, keepAlive);
        return new Response(body, init);
      } catch (err) {
        this.#drop(c);
        if (req.signal?.aborted) throw req.signal.reason;
        throw err;
      } finally {
        done();
      }
    }
    // streamed: chunked, a large Content-Length, or until the daemon closes the connection
    let left = te === "chunked" ? 0 : cl !== null ? Number(cl) : Infinity;
    let finished = false;
    const finish = (reusable: boolean) => {
      if (finished) return;
      finished = true;
      done();
      this.#release(c, reusable);
    };
    const body = new ReadableStream<Uint8Array>({
      pull: async (ctl) => {
        try {
          if (te === "chunked") {
            if (left === 0) {
              const size = parseInt((await c.line()).split(";")[0]!, 16);
              if (!Number.isFinite(size)) throw new TypeError("Invalid chunk size");
              if (size === 0) {
                while ((await c.line()) !== ""); // trailers
                finish(keepAlive);
                ctl.close();
                return;
              }
              left = size;
            }
            const part = await c.some(left);
            if (!part.length) throw new Deno.errors.UnexpectedEof("connection closed mid-chunk");
            left -= part.length;
            if (left === 0) await c.line(); // the chunk's CRLF
            ctl.enqueue(part);
            return;
          }
          const part = await c.some(Math.min(left, 64 * 1024));
          if (!part.length) {
            if (left !== Infinity) {
              throw new Deno.errors.UnexpectedEof("connection closed mid-body");
            }
            finish(false);
            ctl.close();
            return;
          }
          left -= part.length;
          ctl.enqueue(part);
          if (left === 0) {
            finish(keepAlive);
            ctl.close();
          }
        } catch (err) {
          finish(false);
          ctl.error(req.signal?.aborted ? req.signal.reason : err);
        }
      },
      cancel: () => finish(false),
    }, { highWaterMark: 0 });
    return new Response(body, init);
  }
}
