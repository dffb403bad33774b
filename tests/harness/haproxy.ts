/**
 * Test harness: a private HAProxy (Debian's `haproxy`) in master-worker mode (`-W`) under a temp
 * dir, with its Runtime API socket there, so tests can reload it with SIGUSR2 like systemd does.
 * Plus `freePort()` and a curl client loop.
 *
 * @module
 */
import { exec } from "../../lib/exec/run.ts";
import { RuntimeApi } from "../../lib/haproxy/runtime_api.ts";
import { terminate } from "./process.ts";

/** A running private HAProxy. */
export interface TestHaproxy {
  /** Temp dir holding config, pid file, socket and log. */
  readonly dir: string;
  readonly configFile: string;
  /** Runtime API socket (also used as the stats socket in the config). */
  readonly statsSocket: string;
  /** The master writes its pid here (`-p`): reload by SIGUSR2 to it. */
  readonly pidFile: string;
  readonly masterPid: number;
  readonly api: RuntimeApi;
  /** The worker answering on the socket now. */
  workerPid(): Promise<number>;
  /** stderr of the master and workers so far. */
  log(): string;
  /** True while the master process runs. */
  running(): boolean;
  /** Stop HAProxy and remove the temp dir. */
  close(): Promise<void>;
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Options of {@link startHaproxy}. */
export interface HaproxyOptions {
  /** Use this dir (the caller creates and removes it) instead of a new temp dir. */
  dir?: string;
  /** Run haproxy through this argv prefix (e.g. `nsenter` into a private mount namespace). */
  prefix?: readonly string[];
}

/**
 * Start HAProxy on `config(paths)` (a function, so the config can name the socket path).
 * Waits until the Runtime API answers.
 */
export async function startHaproxy(
  config: (paths: { statsSocket: string; dir: string }) => string | Promise<string>,
  opts: HaproxyOptions = {},
): Promise<TestHaproxy> {
  const dir = opts.dir ?? await Deno.makeTempDir({ prefix: "rx-haproxy-" });
  const removeDir = () =>
    opts.dir ? Promise.resolve() : Deno.remove(dir, { recursive: true }).catch(() => {});
  const configFile = `${dir}/haproxy.cfg`;
  const statsSocket = `${dir}/admin.sock`;
  const pidFile = `${dir}/haproxy.pid`;
  await Deno.writeTextFile(configFile, await config({ statsSocket, dir }));
  let child: Deno.ChildProcess;
  try {
    const argv = [...(opts.prefix ?? []), "haproxy", "-W", "-f", configFile, "-p", pidFile];
    child = new Deno.Command(argv[0]!, {
      args: argv.slice(1),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (err) {
    await removeDir();
    if (err instanceof Deno.errors.NotFound) {
      throw new Error("Cannot start haproxy: not installed — apt-get install haproxy");
    }
    throw err;
  }
  let out = "";
  let exited = false;
  const dec = new TextDecoder();
  const pump = async (s: ReadableStream<Uint8Array>) => {
    for await (const c of s) out += dec.decode(c, { stream: true });
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const status = child.status.then(async (s) => {
    exited = true;
    await pumps;
    return s;
  });
  const api = new RuntimeApi(statsSocket, { timeoutMs: 2000 });
  const close = async () => {
    if (!exited) await terminate(child, status, 5000);
    await pumps.catch(() => {});
    await removeDir();
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (exited) {
      await close();
      throw new Error(`haproxy exited during start: ${out.slice(-2000)}`);
    }
    if (await api.workerPid().catch(() => 0)) break;
    if (Date.now() > deadline) {
      await close();
      throw new Error(`haproxy did not answer on ${statsSocket} within 15 s: ${out.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    dir,
    configFile,
    statsSocket,
    pidFile,
    masterPid: child.pid,
    api,
    workerPid: () => api.workerPid(),
    log: () => out,
    running: () => !exited,
    close,
  };
}

/** One request's outcome: the body (which names the container) and the HTTP code (0: failed). */
export interface Hit {
  body: string;
  code: number;
}

/**
 * `count` GET requests with curl, one after another in one curl process, each on a new
 * connection (`Connection: close`), so every request exercises HAProxy's listener.
 */
export async function curlMany(
  url: string,
  count: number,
  opts: { host?: string } = {},
): Promise<Hit[]> {
  const sep = "\u0001";
  const r = await exec([
    "curl",
    "-s",
    "--max-time",
    "10",
    "-H",
    "Connection: close",
    ...(opts.host ? ["-H", `Host: ${opts.host}`] : []),
    "-w",
    `${sep}%{http_code}\\n`,
    `${url}${url.includes("?") ? "&" : "?"}n=[1-${count}]`,
  ], { timeoutMs: 120_000, okCodes: Array.from({ length: 100 }, (_, i) => i) });
  return r.stdout.split("\n").filter((l) => l.includes(sep)).map((l) => {
    const [body, code] = l.split(sep);
    return { body: body ?? "", code: Number(code) };
  });
}

/** Count hits by body. */
export function tally(hits: readonly Hit[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const h of hits) m.set(h.body, (m.get(h.body) ?? 0) + 1);
  return m;
}
