/**
 * Test harness: a private single-member etcd on free loopback ports with a temp data dir,
 * optionally with TLS (a CA, a server and a client certificate made with `openssl`; clients must
 * present a certificate) and with authentication (user `root` plus a user limited to one
 * prefix). `etcdctl` runs against it as root. Always call `close()`.
 *
 * @module
 */
import { exec } from "../../lib/exec/run.ts";
import { spawnChild, type SpawnedChild } from "../../lib/exec/spawn.ts";

/** Options for {@link startEtcd}. */
export interface EtcdOptions {
  /** Serve https and require client certificates. */
  tls?: boolean;
  /** Enable authentication; the test user may read and write `authPrefix` only. */
  auth?: boolean;
  /** Prefix the test user may use (default `/reactor/`). */
  authPrefix?: string;
}

/** PEM file paths. */
export interface EtcdTestTls {
  ca: string;
  cert: string;
  key: string;
}

/** One key as `etcdctl get -w json` shows it. */
export interface EtcdctlKv {
  value: string;
  /** Decimal lease id, "0" for none. */
  lease: string;
}

/** A running private etcd. */
export interface TestEtcd {
  /** `http(s)://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly dir: string;
  /** Client certificate, key and CA (with `tls`). */
  readonly tls?: EtcdTestTls;
  /** The limited user (with `auth`). */
  readonly user?: { username: string; password: string };
  /** Run etcdctl (as root when auth is on); returns trimmed stdout. */
  etcdctl(...args: string[]): Promise<string>;
  /** Keys under `prefix` with value and lease. */
  getPrefix(prefix: string): Promise<Record<string, EtcdctlKv>>;
  /** Remaining TTL of a lease in seconds, -1 when it does not exist. */
  leaseTtl(id: string): Promise<number>;
  /** SIGTERM etcd and wait. */
  stop(): Promise<void>;
  /** Start it again on the same ports (same data unless wiped). */
  start(): Promise<void>;
  /** Remove the data dir (etcd must be stopped): the next start is a new, empty cluster. */
  wipe(): Promise<void>;
  close(): Promise<void>;
}

const BASE = "/tmp/rt-etcd";

/** A port that was free a moment ago (bind port 0 on loopback). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  await exec(["openssl", ...args], { cwd, timeoutMs: 30_000 });
}

/** Make a CA, a server (127.0.0.1) and a client certificate (no Common Name) under `dir`. */
export async function makeCerts(
  dir: string,
): Promise<{ ca: string; server: EtcdTestTls; client: EtcdTestTls }> {
  await Deno.mkdir(dir, { recursive: true });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  const ca = "-subj /CN=reactor-test-ca -addext basicConstraints=critical,CA:TRUE";
  await openssl([
    ..."req -x509 -keyout ca.key -out ca.pem -days 2".split(" "),
    ...ec,
    ...ca.split(" "),
    ..."-addext keyUsage=critical,keyCertSign,cRLSign".split(" "),
  ], dir);
  const issue = async (name: string, subject: string, ext: string) => {
    await Deno.writeTextFile(`${dir}/${name}.ext`, ext);
    await openssl(
      ["req", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject],
      dir,
    );
    await openssl([
      ..."x509 -req -CA ca.pem -CAkey ca.key -CAcreateserial -days 2".split(" "),
      ...["-in", `${name}.csr`, "-out", `${name}.pem`, "-extfile", `${name}.ext`],
    ], dir);
  };
  // etcd 3.4's gateway dials its own gRPC server with the server certificate: it needs clientAuth.
  await issue(
    "server",
    "/CN=127.0.0.1",
    "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature\n",
  );
  // No Common Name: with auth on, etcd's gateway refuses client certificates that carry one.
  await issue(
    "client",
    "/O=reactor",
    "extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n",
  );
  const at = (n: string) => ({
    ca: `${dir}/ca.pem`,
    cert: `${dir}/${n}.pem`,
    key: `${dir}/${n}.key`,
  });
  return { ca: `${dir}/ca.pem`, server: at("server"), client: at("client") };
}

/** Start a private etcd. */
export async function startEtcd(opts: EtcdOptions = {}): Promise<TestEtcd> {
  await Deno.mkdir(BASE, { recursive: true });
  const dir = await Deno.makeTempDir({ dir: BASE, prefix: "e" });
  const scheme = opts.tls ? "https" : "http";
  let clientPort = 0, peerPort = 0, endpoint = "";
  let certs: Awaited<ReturnType<typeof makeCerts>> | undefined;
  let child: SpawnedChild | undefined;
  const logLines: string[] = [];
  const rootPassword = "root-" + crypto.randomUUID();
  const user = opts.auth
    ? { username: "reactor", password: "pw-" + crypto.randomUUID() }
    : undefined;
  let authOn = false;

  const tlsFlags = () =>
    certs ? ["--cacert", certs.ca, "--cert", certs.client.cert, "--key", certs.client.key] : [];
  const ctl = async (args: string[], asRoot: boolean) => {
    const r = await exec([
      "etcdctl",
      `--endpoints=${endpoint}`,
      "--command-timeout=10s",
      ...tlsFlags(),
      ...(asRoot && authOn ? ["--user", `root:${rootPassword}`] : []),
      ...args,
    ], { env: { ETCDCTL_API: "3" }, timeoutMs: 30_000 });
    return r.stdout.trim();
  };
  const etcdctl = (...args: string[]) => ctl(args, true);

  const start = async () => {
    const client = `${scheme}://127.0.0.1:${clientPort}`;
    const peer = `http://127.0.0.1:${peerPort}`;
    const argv = [
      "etcd",
      "--name",
      "t",
      "--data-dir",
      `${dir}/data`,
      "--listen-client-urls",
      client,
      "--advertise-client-urls",
      client,
      "--listen-peer-urls",
      peer,
      "--initial-advertise-peer-urls",
      peer,
      "--initial-cluster",
      `t=${peer}`,
      "--logger",
      "zap",
      "--log-level",
      "warn",
      ...(certs
        ? [
          "--cert-file",
          certs.server.cert,
          "--key-file",
          certs.server.key,
          "--trusted-ca-file",
          certs.ca,
          "--client-cert-auth",
        ]
        : []),
    ]; // deno-fmt-ignore
    child = spawnChild(argv, {
      stdout: "lines",
      onLine: (_s, l) => {
        logLines.push(l);
        if (logLines.length > 200) logLines.shift();
      },
    });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exited) break;
      const r = await exec(
        [
          "etcdctl",
          `--endpoints=${endpoint}`,
          "--command-timeout=1s",
          ...tlsFlags(),
          "endpoint",
          "health",
        ],
        { env: { ETCDCTL_API: "3" }, okCodes: [0, 1], timeoutMs: 10_000 },
      ).catch(() => undefined);
      if (r?.code === 0) return;
      // With auth on, health answers with "permission denied"-free success only for root;
      // accept any answer that shows the server is serving.
      if (r && /is healthy|permission denied|user name is empty/.test(r.stdout + r.stderr)) return;
      await new Promise((res) => setTimeout(res, 100));
    }
    const tail = logLines.slice(-15).join("\n");
    await child.stop(5_000);
    child = undefined;
    throw new Error(`etcd did not become healthy on ${endpoint}:\n${tail}`);
  };

  const stop = async () => {
    if (!child) return;
    await child.stop(10_000);
    child = undefined;
  };

  const close = async () => {
    await stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };

  try {
    if (opts.tls) certs = await makeCerts(`${dir}/pki`);
    for (let attempt = 0;; attempt++) {
      clientPort = freePort();
      peerPort = freePort();
      endpoint = `${scheme}://127.0.0.1:${clientPort}`;
      try {
        await start();
        break;
      } catch (err) {
        // Another test may have taken the port between probe and bind: try new ports.
        if (attempt >= 2 || !/address already in use/.test(String(err))) throw err;
        await Deno.remove(`${dir}/data`, { recursive: true }).catch(() => {});
      }
    }
    if (opts.auth && user) {
      const prefix = opts.authPrefix ?? "/reactor/";
      await exec(
        [
          "etcdctl",
          `--endpoints=${endpoint}`,
          ...tlsFlags(),
          "user",
          "add",
          "root",
          "--interactive=false",
        ],
        { env: { ETCDCTL_API: "3" }, stdin: `${rootPassword}\n`, timeoutMs: 30_000 },
      );
      await etcdctl("role", "add", "publisher");
      await etcdctl("role", "grant-permission", "publisher", "--prefix=true", "readwrite", prefix);
      await exec(
        [
          "etcdctl",
          `--endpoints=${endpoint}`,
          ...tlsFlags(),
          "user",
          "add",
          user.username,
          "--interactive=false",
        ],
        { env: { ETCDCTL_API: "3" }, stdin: `${user.password}\n`, timeoutMs: 30_000 },
      );
      await etcdctl("user", "grant-role", user.username, "publisher");
      await etcdctl("auth", "enable");
      authOn = true;
    }
  } catch (err) {
    await close();
    throw err;
  }

  return {
    get endpoint() {
      return endpoint;
    },
    dir,
    tls: certs?.client,
    user,
    etcdctl,
    getPrefix: async (prefix) => {
      const text = await etcdctl("get", "--prefix", prefix, "-w", "json");
      const out: Record<string, EtcdctlKv> = {};
      const body = exactJson(text) as { kvs?: { key: string; value?: string; lease?: string }[] };
      for (const kv of body.kvs ?? []) {
        out[utf8(kv.key)] = { value: utf8(kv.value ?? ""), lease: String(kv.lease ?? "0") };
      }
      return out;
    },
    leaseTtl: async (id) => {
      const hex = BigInt(id).toString(16);
      const text = await etcdctl("lease", "timetolive", hex, "-w", "json");
      const body = exactJson(text) as { ttl?: string };
      return Number(body.ttl ?? -1);
    },
    stop,
    start,
    wipe: async () => {
      if (child) throw new Error("wipe() needs a stopped etcd");
      await Deno.remove(`${dir}/data`, { recursive: true });
    },
    close,
  };
}

function utf8(b64: string): string {
  const bin = atob(b64);
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

/** JSON with 64-bit integers kept exact as strings (etcdctl prints lease ids as numbers). */
function exactJson(text: string): unknown {
  return JSON.parse(
    text,
    function (_k: string, v: unknown, ctx?: { source?: string }) {
      return typeof v === "number" && ctx?.source && !Number.isSafeInteger(v) ? ctx.source : v;
    } as (this: unknown, key: string, value: unknown) => unknown,
  );
}

/** Await `fn`'s rejection, check its class, and return the error (node's assert.rejects does not). */
export async function rejectsWith<E extends Error>(
  fn: () => Promise<unknown>,
  cls: new (...args: never[]) => E,
): Promise<E> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof cls) return err;
    throw new Error(`expected ${cls.name}, got: ${err}`);
  }
  throw new Error(`expected a rejection with ${cls.name}, but it resolved`);
}
