/**
 * A client for HAProxy's Runtime API (the `stats socket … level admin`), one command per
 * connection over the unix socket. Typed commands check HAProxy's answer and throw
 * {@link RuntimeApiError} naming the command; arguments are checked so nothing can add a second
 * command (`;`) or line.
 *
 * @module
 */
import { RuntimeApiError } from "./errors.ts";

/** One row of `show servers state`. */
export interface ServerState {
  backend: string;
  server: string;
  address: string;
  port: number;
  /** User weight (what `set server … weight` sets). */
  weight: number;
  /** `srv_op_state`: 0 stopped, 1 starting, 2 running, 3 stopping. */
  opState: number;
  /** `srv_admin_state` bit field (0x01 forced maintenance, 0x04 `disabled` in the config). */
  adminState: number;
  /** Forced into maintenance (CLI `disable server` or `disabled` in the config). */
  maint: boolean;
}

/** Options for {@link RuntimeApi}. */
export interface RuntimeApiOptions {
  /** Per-command time limit (default 5 s). */
  timeoutMs?: number;
}

const WORD = /^[^\s;#'"`\\]+$/;
/**
 * srv_admin_state bit of forced maintenance (CLI `disable server`, and also set with 0x04 for
 * `disabled` in the config; `enable server` clears 0x01 but leaves 0x04 as a marker).
 */
const FORCED_MAINT = 0x01;

/** Talks to one HAProxy stats socket. */
export class RuntimeApi {
  readonly socket: string;
  readonly #timeoutMs: number;

  constructor(socket: string, opts: RuntimeApiOptions = {}) {
    this.socket = socket;
    this.#timeoutMs = opts.timeoutMs ?? 5000;
  }

  /**
   * Send one raw command line and return HAProxy's whole answer. Throws only when the socket
   * fails; the caller judges the answer.
   *
   * @example
   * ```ts ignore
   * const info = await new RuntimeApi("/run/haproxy/admin.sock").send("show info");
   * ```
   */
  async send(command: string): Promise<string> {
    if (/[\n\r]/.test(command)) {
      throw new RuntimeApiError({
        command: JSON.stringify(command),
        socket: this.socket,
        detail: "a command may not contain a newline",
      });
    }
    let conn: Deno.UnixConn;
    try {
      conn = await Deno.connect({ transport: "unix", path: this.socket });
    } catch (err) {
      throw new RuntimeApiError({
        command,
        socket: this.socket,
        detail: `${(err as Error).message} — check that HAProxy runs with ` +
          `"stats socket ${this.socket} level admin"`,
      });
    }
    const timer = setTimeout(() => {
      try {
        conn.close();
      } catch { /* closed */ }
    }, this.#timeoutMs);
    const chunks: Uint8Array[] = [];
    try {
      await writeAll(conn, new TextEncoder().encode(`${command}\n`));
      const buf = new Uint8Array(64 * 1024);
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) break;
        chunks.push(buf.slice(0, n));
      }
    } catch (err) {
      throw new RuntimeApiError({
        command,
        socket: this.socket,
        detail: `no complete answer within ${this.#timeoutMs} ms: ${(err as Error).message}`,
      });
    } finally {
      clearTimeout(timer);
      try {
        conn.close();
      } catch { /* closed by the timer or by HAProxy */ }
    }
    return new TextDecoder().decode(concat(chunks));
  }

  /** Send a command whose success answer is empty (or matches `ok`); throw otherwise. */
  async #expect(command: string, ok?: RegExp): Promise<string> {
    const reply = await this.send(command);
    const text = reply.trim();
    if (text === "" || (ok && ok.test(text))) return text;
    throw new RuntimeApiError({ command, socket: this.socket, reply });
  }

  #target(backend: string, server: string): string {
    for (const w of [backend, server]) {
      if (!WORD.test(w) || w.includes("/")) {
        throw new RuntimeApiError({
          command: `… ${backend}/${server}`,
          socket: this.socket,
          detail: `${JSON.stringify(w)} is not a valid backend or server name`,
        });
      }
    }
    return `${backend}/${server}`;
  }

  /** `show info` as key → value. */
  async showInfo(): Promise<Record<string, string>> {
    const reply = await this.send("show info");
    const out: Record<string, string> = {};
    for (const line of reply.split("\n")) {
      const i = line.indexOf(":");
      if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
    }
    if (!out["Pid"]) {
      throw new RuntimeApiError({ command: "show info", socket: this.socket, reply });
    }
    return out;
  }

  /** The pid of the worker answering (changes on every reload). */
  async workerPid(): Promise<number> {
    return Number((await this.showInfo())["Pid"]);
  }

  /** `show servers state`: every server of every backend. */
  async showServersState(): Promise<ServerState[]> {
    const reply = await this.send("show servers state");
    const lines = reply.split("\n");
    const header = lines.find((l) => l.startsWith("# "));
    if (!header) {
      throw new RuntimeApiError({ command: "show servers state", socket: this.socket, reply });
    }
    const cols = header.slice(2).trim().split(/\s+/);
    const at = (name: string) => cols.indexOf(name);
    const idx = {
      be: at("be_name"),
      srv: at("srv_name"),
      addr: at("srv_addr"),
      op: at("srv_op_state"),
      admin: at("srv_admin_state"),
      weight: at("srv_uweight"),
      port: at("srv_port"),
    };
    if (Object.values(idx).some((i) => i < 0)) {
      throw new RuntimeApiError({
        command: "show servers state",
        socket: this.socket,
        reply: header,
        detail: `unexpected columns "${header}" — HAProxy 2.4 or newer is needed`,
      });
    }
    const out: ServerState[] = [];
    for (const line of lines) {
      if (line.startsWith("#") || !line.trim()) continue;
      const f = line.trim().split(/\s+/);
      if (f.length < cols.length) continue; // the leading version line
      const admin = Number(f[idx.admin]);
      out.push({
        backend: f[idx.be]!,
        server: f[idx.srv]!,
        address: f[idx.addr]!,
        port: Number(f[idx.port]),
        weight: Number(f[idx.weight]),
        opState: Number(f[idx.op]),
        adminState: admin,
        maint: (admin & FORCED_MAINT) !== 0,
      });
    }
    return out;
  }

  /** `add server <backend>/<server> <args>` (the server starts in maintenance). */
  async addServer(backend: string, server: string, args: string): Promise<void> {
    const words = args.trim().split(/\s+/);
    if (!words.every((w) => WORD.test(w))) {
      throw new RuntimeApiError({
        command: `add server ${backend}/${server}`,
        socket: this.socket,
        detail: `the server arguments ${JSON.stringify(args)} contain ; # quotes or backslashes`,
      });
    }
    await this.#expect(
      `add server ${this.#target(backend, server)} ${words.join(" ")}`,
      /^New server registered\.?$/,
    );
  }

  /** `del server` (the server must be in maintenance and have no connections left). */
  async delServer(backend: string, server: string): Promise<void> {
    await this.#expect(`del server ${this.#target(backend, server)}`, /^Server deleted\.?$/);
  }

  /** `enable server`: leave maintenance. */
  async enableServer(backend: string, server: string): Promise<void> {
    await this.#expect(`enable server ${this.#target(backend, server)}`);
  }

  /** `disable server`: enter maintenance (no new traffic, no checks). */
  async disableServer(backend: string, server: string): Promise<void> {
    await this.#expect(`disable server ${this.#target(backend, server)}`);
  }

  /** `enable health`: start the health checks of a (dynamic) server. */
  async enableHealth(backend: string, server: string): Promise<void> {
    await this.#expect(`enable health ${this.#target(backend, server)}`);
  }

  /**
   * Leave maintenance but count as DOWN until the health checks pass (`enable server` and
   * `set server … health down` in one request, so no request is routed in between).
   */
  async enableServerAfterChecks(backend: string, server: string): Promise<void> {
    const t = this.#target(backend, server);
    await this.#expect(`enable server ${t}; set server ${t} health down`);
  }

  /** `set server … weight N` (0–256). */
  async setWeight(backend: string, server: string, weight: number): Promise<void> {
    if (!Number.isInteger(weight) || weight < 0 || weight > 256) {
      throw new RuntimeApiError({
        command: `set server ${backend}/${server} weight ${weight}`,
        socket: this.socket,
        detail: "a weight is a whole number from 0 to 256",
      });
    }
    await this.#expect(`set server ${this.#target(backend, server)} weight ${weight}`);
  }

  /** `set server … addr A port P`. */
  async setAddress(backend: string, server: string, address: string, port: number): Promise<void> {
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(address) || !(port >= 1 && port <= 65535)) {
      throw new RuntimeApiError({
        command: `set server ${backend}/${server} addr ${address} port ${port}`,
        socket: this.socket,
        detail: "the address must be IPv4 and the port 1–65535",
      });
    }
    await this.#expect(
      `set server ${this.#target(backend, server)} addr ${address} port ${port}`,
      /changed from|no need to change/i,
    );
  }
}

async function writeAll(conn: Deno.UnixConn, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) off += await conn.write(data.subarray(off));
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}
