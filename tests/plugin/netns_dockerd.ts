/**
 * Test harness for the l2vlan plugin: a private dockerd in its OWN network namespace (iptables,
 * swarm ports and addresses stay inside it) and its own mount namespace (its `/run/docker` and
 * `/etc/docker` are directories of the test, so plugin sockets and managed plugins are private).
 *
 * Topology (names carry a random suffix; nothing is created in the host namespace but the two
 * netns files and a bind mount under /tmp/rt):
 *
 *   netns l2e<id>: dockerd, mgmt0 10.252.0.1/30 (swarm advertise), eno1 (the "NIC", a veth)
 *   netns l2r<id>: eno1-rtr (peer of eno1) = the external router; 10.251.1.1/24 on it, or on
 *                  eno1-rtr.2000 when the kernel has 802.1Q (`vlanOk`)
 *
 * @module
 */
import { exec } from "../../lib/exec/run.ts";
import { spawnChild, type SpawnedChild } from "../../lib/exec/spawn.ts";

/** Subnet, gateway and VLAN of the external segment. */
export const SEGMENT = { prefix: "10.251.1", gateway: "10.251.1.1", vlan: 2000 };

/** A running private dockerd in its own namespaces. */
export interface NetnsDockerd {
  /** Test root (host path). */
  readonly dir: string;
  /** Netns of dockerd and the plugin. */
  readonly ns: string;
  /** Netns of the external router. */
  readonly rtr: string;
  /** `unix://…` of this daemon. */
  readonly host: string;
  /** Host path of this daemon's `/run/docker/plugins`. */
  readonly pluginDir: string;
  /** Management address (swarm advertise address). */
  readonly mgmtAddr: string;
  /** True when the kernel can create 802.1Q interfaces. */
  readonly vlanOk: boolean;
  /** `vlan_id` to use: 2000 with 802.1Q, else 0 (untagged). */
  readonly vlanId: number;
  /** Docker CLI; throws on failure, returns trimmed stdout. */
  docker(...args: string[]): Promise<string>;
  /** Docker CLI; never throws. */
  dockerRaw(...args: string[]): Promise<ExecResult>;
  /** Run argv in dockerd's netns (never throws). */
  inNs(...argv: string[]): Promise<ExecResult>;
  /** Run argv in the router's netns (never throws). */
  inRtr(...argv: string[]): Promise<ExecResult>;
  /** Stop dockerd gracefully (SIGTERM) and wait for it. */
  stopDaemon(): Promise<void>;
  /** SIGKILL dockerd and its containerd (a crash), clearing their pid files. */
  killDaemon(): Promise<void>;
  /** Start dockerd again with the same dirs. */
  startDaemon(): Promise<void>;
  /** Tear everything down (containers, plugins, swarm, daemon, namespaces, files). */
  close(): Promise<void>;
}

/** What one finished command produced. */
export type ExecResult = Awaited<ReturnType<typeof exec>>;

const ALL = Array.from({ length: 256 }, (_, i) => i);
const APPLETS = ["sh", "sleep", "ip", "ping", "cat", "ls", "true"];

async function run(argv: string[], timeoutMs = 60_000): Promise<ExecResult> {
  return await exec(argv, { timeoutMs, okCodes: ALL });
}

async function must(argv: string[]): Promise<string> {
  const r = await run(argv);
  if (r.code !== 0) throw new Error(`${argv.join(" ")} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/** Poll until `fn` returns a truthy value (or throw after `timeoutMs`). */
export async function poll<T>(
  what: string,
  fn: () => Promise<T>,
  timeoutMs = 90_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
}

/** Start the private daemon (and the busybox image `bb:latest`). Always `close()` it. */
export async function startNetnsDockerd(opts: { args?: string[] } = {}): Promise<NetnsDockerd> {
  const id = crypto.randomUUID().replaceAll("-", "").slice(0, 6);
  const dir = `/tmp/rt/l2${id}`;
  const ns = `l2e${id}`;
  const rtr = `l2r${id}`;
  await Deno.mkdir(`${dir}/run/plugins`, { recursive: true });
  await Deno.mkdir(`${dir}/etc`, { recursive: true });
  await Deno.mkdir("/run/docker", { recursive: true });
  await Deno.mkdir("/etc/docker", { recursive: true });
  const mntns = `${dir}/mntns`;
  const inNs = (...argv: string[]) => run(["nsenter", `--net=/run/netns/${ns}`, ...argv]);
  const inRtr = (...argv: string[]) => run(["nsenter", `--net=/run/netns/${rtr}`, ...argv]);
  let child: SpawnedChild | undefined;
  let logFile: Deno.FsFile | undefined;
  const host = `unix://${dir}/docker.sock`;
  const docker = (...a: string[]) => must(["docker", "-H", host, ...a]);
  const dockerRaw = (...a: string[]) => run(["docker", "-H", host, ...a], 120_000);

  let vlanOk = false;
  const setup = async () => {
    await must(["ip", "netns", "add", ns]);
    await must(["ip", "netns", "add", rtr]);
    for (const n of [ns, rtr]) await must(["ip", "-n", n, "link", "set", "lo", "up"]);
    await must(["ip", "-n", ns, "link", "add", "mgmt0", "type", "veth", "peer", "name", "mgmt0p"]);
    await must(["ip", "-n", ns, "addr", "add", "10.252.0.1/30", "dev", "mgmt0"]);
    await must(["ip", "-n", ns, "addr", "add", "10.252.0.2/30", "dev", "mgmt0p"]);
    for (const l of ["mgmt0", "mgmt0p"]) await must(["ip", "-n", ns, "link", "set", l, "up"]);
    await must(["ip", "-n", ns, "link", "add", "eno1", "type", "veth", "peer", "name", "eno1-rtr"]);
    await must(["ip", "-n", ns, "link", "set", "eno1-rtr", "netns", rtr]);
    await must(["ip", "-n", ns, "link", "set", "eno1", "up"]);
    await must(["ip", "-n", rtr, "link", "set", "eno1-rtr", "up"]);
    const probe = await run(
      ["ip", "-n", ns, "link", "add", "link", "eno1", "name", "eno1.5", "type", "vlan", "id", "5"],
    );
    vlanOk = probe.code === 0;
    if (vlanOk) await run(["ip", "-n", ns, "link", "del", "eno1.5"]);
    let rtrIf = "eno1-rtr";
    if (vlanOk) {
      rtrIf = `eno1-rtr.${SEGMENT.vlan}`;
      await must([
        "ip",
        "-n",
        rtr,
        "link",
        "add",
        "link",
        "eno1-rtr",
        "name",
        rtrIf,
        "type",
        "vlan",
        "id",
        String(SEGMENT.vlan),
      ]);
      await must(["ip", "-n", rtr, "link", "set", rtrIf, "up"]);
    }
    await must(["ip", "-n", rtr, "addr", "add", `${SEGMENT.gateway}/24`, "dev", rtrIf]);
    // A private mount namespace kept alive by a bind mount of its ns file.
    await must(["mount", "--bind", dir, dir]);
    await must(["mount", "--make-private", dir]);
    await Deno.writeTextFile(mntns, "");
    await must(["unshare", `--mount=${mntns}`, "--propagation", "private", "true"]);
    await must(["nsenter", `--mount=${mntns}`, "mount", "--bind", `${dir}/run`, "/run/docker"]);
    await must(["nsenter", `--mount=${mntns}`, "mount", "--bind", `${dir}/etc`, "/etc/docker"]);
  };

  const startDaemon = async () => {
    logFile = await Deno.open(`${dir}/dockerd.log`, { append: true, create: true, write: true });
    const f = logFile;
    const enc = new TextEncoder();
    child = spawnChild([
      "nsenter",
      `--mount=${mntns}`,
      `--net=/run/netns/${ns}`,
      "dockerd",
      "--data-root",
      `${dir}/data`,
      "-H",
      host,
      "--pidfile",
      `${dir}/docker.pid`,
      "--userland-proxy=false",
      "--default-address-pool",
      "base=10.253.0.0/16,size=24",
      ...(opts.args ?? []),
    ], { onLine: (_s, line) => f.writeSync(enc.encode(line + "\n")) });
    const c = child;
    await poll("dockerd /_ping", async () => {
      if (c.exited) throw new Error(`dockerd exited: ${c.stderrTail().join(" | ")}`);
      return (await run(["curl", "-sf", "--unix-socket", `${dir}/docker.sock`, "http://x/_ping"]))
        .code === 0;
    }, 60_000);
  };

  const stopDaemon = async () => {
    if (!child) return;
    await child.stop(60_000);
    child = undefined;
    logFile?.close();
    logFile = undefined;
  };

  const killDaemon = async () => {
    if (!child) return;
    const kids = await run(["pgrep", "-P", String(child.pid)]);
    child.kill("SIGKILL");
    for (const k of kids.stdout.split(/\s+/).filter(Boolean)) {
      try {
        Deno.kill(Number(k), "SIGKILL");
      } catch { /* gone */ }
    }
    await child.status;
    child = undefined;
    logFile?.close();
    logFile = undefined;
    // PID 1 here reaps no orphans: stale pid files would make the next start wait for zombies.
    await Deno.remove(`${dir}/docker.pid`).catch(() => {});
    await Deno.remove(`${dir}/run/containerd/containerd.pid`).catch(() => {});
  };

  const close = async () => {
    if (child) {
      const ids = (await dockerRaw("ps", "-aq")).stdout.split(/\s+/).filter(Boolean);
      await dockerRaw("swarm", "leave", "--force");
      if (ids.length) await dockerRaw("rm", "-f", ...ids);
      const plugins = (await dockerRaw("plugin", "ls", "-q")).stdout.split(/\s+/).filter(Boolean);
      for (const p of plugins) {
        await dockerRaw("plugin", "disable", "-f", p);
        await dockerRaw("plugin", "rm", "-f", p);
      }
    }
    await stopDaemon();
    await run(["umount", mntns]);
    await run(["umount", "-l", dir]);
    await run(["ip", "netns", "del", ns]);
    await run(["ip", "netns", "del", rtr]);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };

  try {
    await setup();
    await startDaemon();
    const bb = `${dir}/bb`;
    await Deno.mkdir(`${bb}/bin`, { recursive: true });
    await Deno.mkdir(`${bb}/etc`);
    await Deno.copyFile("/bin/busybox", `${bb}/bin/busybox`);
    await Deno.chmod(`${bb}/bin/busybox`, 0o755);
    for (const a of APPLETS) await Deno.symlink("busybox", `${bb}/bin/${a}`);
    await Deno.writeTextFile(`${bb}/etc/passwd`, "root:x:0:0:root:/:/bin/sh\n");
    await must(["tar", "-C", bb, "-cf", `${dir}/bb.tar`, "."]);
    await docker("import", "-c", "ENV PATH=/bin", `${dir}/bb.tar`, "bb:latest");
  } catch (err) {
    await close();
    throw err;
  }
  return {
    dir,
    ns,
    rtr,
    host,
    pluginDir: `${dir}/run/plugins`,
    mgmtAddr: "10.252.0.1",
    vlanOk,
    vlanId: vlanOk ? SEGMENT.vlan : 0,
    docker,
    dockerRaw,
    inNs,
    inRtr,
    stopDaemon,
    killDaemon,
    startDaemon,
    close,
  };
}
