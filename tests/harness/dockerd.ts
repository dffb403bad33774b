/**
 * Test harness: a private dockerd per test file (own data-root, exec-root, pidfile, socket and a
 * bridge created here), plus an offline `busybox:latest` image built with `docker import`.
 * Several may run at once: each takes a free index for its bridge `rxN` and subnet 10.213.N.0/24.
 *
 * @module
 */
import { exec, type RunResult } from "../../lib/exec/run.ts";

/** Options for {@link startDockerd}. */
export interface DockerdOptions {
  /** Extra dockerd flags. */
  args?: string[];
  /** Build the busybox image (default true). */
  image?: boolean;
  /** Listen on this TCP address too (e.g. `tcp://127.0.0.1:23760`) */
  tcp?: string;
}

/** A running private dockerd. */
export interface TestDockerd {
  /** Index used for bridge name and subnet. */
  readonly index: number;
  /** Root dir of this daemon's files. */
  readonly dir: string;
  readonly socket: string;
  /** `unix://<socket>` */
  readonly host: string;
  readonly bridge: string;
  /** `10.213.N` (the bridge is `.1`). */
  readonly subnetPrefix: string;
  /** Run the docker CLI against this daemon; returns trimmed stdout. */
  docker(...args: string[]): Promise<string>;
  /** Run the docker CLI and return the full result without throwing. */
  dockerRaw(...args: string[]): Promise<RunResult>;
  /** `docker run -d` a busybox container that sleeps; returns its id. */
  runContainer(
    name: string,
    opts?: { labels?: Record<string, string>; cmd?: string[]; args?: string[] },
  ): Promise<string>;
  /** Host pid of a running container. */
  pidOf(name: string): Promise<number>;
  /** Stop dockerd gracefully (SIGTERM) and wait. */
  stopDaemon(): Promise<void>;
  /** SIGKILL dockerd (and its containerd). */
  killDaemon(): Promise<void>;
  /** Start dockerd again with the same dirs. */
  startDaemon(): Promise<void>;
  /** Stop everything and remove all files and the bridge. */
  close(): Promise<void>;
}

const BASE = "/tmp/rt";
const BUSYBOX_APPLETS = [
  "sh",
  "sleep",
  "ip",
  "cat",
  "echo",
  "true",
  "false",
  "ls",
  "env",
  "wget",
  "nc",
  "httpd",
  "hostname",
  "ifconfig",
  "route",
  "ping",
];

async function sh(argv: string[], okCodes?: number[]): Promise<RunResult> {
  return await exec(argv, { timeoutMs: 60_000, okCodes });
}

async function allocate(): Promise<number> {
  await Deno.mkdir(BASE, { recursive: true });
  const start = 1 + Math.floor(Math.random() * 150);
  for (let k = 0; k < 200; k++) {
    const n = 1 + ((start + k) % 200);
    // The bridge name is the lock: `ip link add` fails with "File exists" when taken.
    const r = await sh(["ip", "link", "add", `rx${n}`, "type", "bridge"], [0, 1, 2]);
    if (r.code === 0) return n;
  }
  throw new Error("Cannot allocate a test bridge: rx1..rx200 all exist — remove stale ones");
}

async function imageRootfs(): Promise<string> {
  const dir = `${BASE}/rootfs`;
  try {
    await Deno.stat(`${dir}/bin/sleep`);
    return dir;
  } catch { /* build it */ }
  const tmp = `${BASE}/rootfs.${Deno.pid}`;
  await Deno.mkdir(`${tmp}/bin`, { recursive: true });
  await Deno.mkdir(`${tmp}/tmp`, { recursive: true });
  await Deno.mkdir(`${tmp}/etc`, { recursive: true });
  await Deno.copyFile("/bin/busybox", `${tmp}/bin/busybox`);
  await Deno.chmod(`${tmp}/bin/busybox`, 0o755);
  for (const a of BUSYBOX_APPLETS) await Deno.symlink("busybox", `${tmp}/bin/${a}`);
  try {
    await Deno.rename(tmp, dir);
  } catch {
    await Deno.remove(tmp, { recursive: true });
  }
  return dir;
}

/** Start a private dockerd. Always call `close()` (e.g. in a final test). */
export async function startDockerd(opts: DockerdOptions = {}): Promise<TestDockerd> {
  const index = await allocate();
  const bridge = `rx${index}`;
  const subnetPrefix = `10.213.${index}`;
  const dir = `${BASE}/d${index}`;
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir, { recursive: true });
  await sh(["ip", "addr", "add", `${subnetPrefix}.1/24`, "dev", bridge]);
  await sh(["ip", "link", "set", bridge, "up"]);
  const socket = `${dir}/docker.sock`;
  const host = `unix://${socket}`;
  const args = [
    "--data-root",
    `${dir}/data`,
    "--exec-root",
    `${dir}/exec`,
    "--pidfile",
    `${dir}/docker.pid`,
    "-H",
    host,
    ...(opts.tcp ? ["-H", opts.tcp] : []),
    "--bridge",
    bridge,
    "--iptables=false",
    "--ip-masq=false",
    "--ip-forward=false",
    "--userland-proxy=false",
    "--default-address-pool",
    `base=10.214.${index}.0/24,size=28`,
    ...(opts.args ?? []),
  ];
  let child: Deno.ChildProcess | undefined;
  let logFile: Deno.FsFile | undefined;

  const docker = async (...a: string[]) =>
    (await exec(["docker", "-H", host, ...a], { timeoutMs: 60_000 })).stdout.trim();
  const dockerRaw = async (...a: string[]) =>
    await exec(["docker", "-H", host, ...a], { timeoutMs: 60_000, okCodes: range256() });

  const startDaemon = async () => {
    logFile = await Deno.open(`${dir}/dockerd.log`, { append: true, create: true, write: true });
    child = new Deno.Command("dockerd", {
      args,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    child.stderr.pipeTo(logFile.writable).catch(() => {});
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const r = await exec(
        ["curl", "-sf", "--max-time", "2", "--unix-socket", socket, "http://x/_ping"],
        { okCodes: range256() },
      ).catch(() => undefined);
      if (r?.code === 0) return;
      const st = await Promise.race([child.status, new Promise((r) => setTimeout(r, 100))]);
      if (st) {
        const log = await Deno.readTextFile(`${dir}/dockerd.log`).catch(() => "");
        throw new Error(`dockerd exited during start: ${log.slice(-1500)}`);
      }
    }
    throw new Error(`dockerd did not answer /_ping on ${socket} within 60 s`);
  };

  const waitExit = async (ms: number) => {
    if (!child) return;
    const c = child;
    const t = setTimeout(() => {
      try {
        c.kill("SIGKILL");
      } catch { /* gone */ }
    }, ms);
    await c.status;
    clearTimeout(t);
    child = undefined;
  };

  const stopDaemon = async () => {
    if (!child) return;
    try {
      child.kill("SIGTERM");
    } catch { /* gone */ }
    await waitExit(30_000);
  };

  const killDaemon = async () => {
    if (!child) return;
    const pid = child.pid;
    // containerd is dockerd's child; kill both so the restart is a real cold start.
    const kids = await exec(["pgrep", "-P", String(pid)], { okCodes: [0, 1] });
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
    for (const k of kids.stdout.split(/\s+/).filter(Boolean)) {
      try {
        Deno.kill(Number(k), "SIGKILL");
      } catch { /* gone */ }
    }
    await waitExit(5_000);
    // This machine's PID 1 does not reap orphans: the killed containerd stays a zombie and its
    // pidfile would make the next dockerd wait for it forever. systemd would have reaped it.
    await Deno.remove(`${dir}/docker.pid`).catch(() => {});
    await Deno.remove(`${dir}/exec/containerd/containerd.pid`).catch(() => {});
  };

  const close = async () => {
    if (child) {
      await dockerRaw("ps", "-aq").then(async (r) => {
        const ids = r.stdout.split(/\s+/).filter(Boolean);
        if (ids.length) await dockerRaw("rm", "-f", ...ids);
      }).catch(() => {});
    }
    await stopDaemon();
    await sh(["ip", "link", "del", bridge], [0, 1, 2]);
    // overlay mounts are gone after a clean stop; unmount leftovers before removing.
    const mounts = await Deno.readTextFile("/proc/mounts").catch(() => "");
    for (const line of mounts.split("\n").reverse()) {
      const mp = line.split(" ")[1];
      if (mp?.startsWith(`${dir}/`)) await sh(["umount", "-l", mp], [0, 1, 32]);
    }
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };

  try {
    await startDaemon();
    if (opts.image !== false) {
      const rootfs = await imageRootfs();
      const tar = `${dir}/busybox.tar`;
      await sh(["tar", "-C", rootfs, "-cf", tar, "."]);
      await docker("import", tar, "busybox:latest");
      await Deno.remove(tar);
    }
  } catch (err) {
    await close();
    throw err;
  }

  return {
    index,
    dir,
    socket,
    host,
    bridge,
    subnetPrefix,
    docker,
    dockerRaw,
    runContainer: async (name, o = {}) => {
      const labels = Object.entries(o.labels ?? {}).flatMap(([k, v]) => ["--label", `${k}=${v}`]);
      return await docker(
        "run",
        "-d",
        "--name",
        name,
        ...labels,
        ...(o.args ?? []),
        "busybox:latest",
        ...(o.cmd ?? ["sleep", "3600"]),
      );
    },
    pidOf: async (name) => Number(await docker("inspect", "-f", "{{.State.Pid}}", name)),
    stopDaemon,
    killDaemon,
    startDaemon,
    close,
  };
}

function range256(): number[] {
  return Array.from({ length: 256 }, (_, i) => i);
}

/** Poll `fn` until it returns a truthy value or `ms` elapse. */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50));
  }
  throw new Error(
    `Timed out waiting for ${opts.what ?? "condition"}${
      last ? `: ${(last as Error).message}` : ""
    }`,
  );
}
