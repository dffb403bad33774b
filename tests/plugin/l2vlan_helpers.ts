/**
 * Helpers for the l2vlan integration tests: run the v1 plugin (`reactor plugin l2vlan`) in the
 * private daemon's netns, and read the kernel, iptables and state facts the tests assert.
 *
 * @module
 */
import { spawnChild, type SpawnedChild } from "../../lib/exec/spawn.ts";
import type { L2vlanState } from "../../lib/plugin/l2vlan/state.ts";
import type { NetnsDockerd } from "./netns_dockerd.ts";

const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

/** A running v1 plugin process. */
export interface V1Plugin {
  readonly child: SpawnedChild;
  /** All output lines so far. */
  readonly lines: string[];
}

/** Start `reactor plugin l2vlan` in the daemon's netns; resolves once it listens. */
export async function startV1Plugin(
  d: NetnsDockerd,
  opts: { name?: string; stateDir: string },
): Promise<V1Plugin> {
  const lines: string[] = [];
  let listening!: () => void;
  const ready = new Promise<void>((r) => listening = r);
  const child = spawnChild([
    "nsenter",
    `--net=/run/netns/${d.ns}`,
    Deno.execPath(),
    "run",
    "-A",
    `--config=${ROOT}/deno.json`,
    `${ROOT}/main.ts`,
    "plugin",
    "l2vlan",
    "--socket",
    `${d.pluginDir}/${opts.name ?? "l2vlan"}.sock`,
    "--state-dir",
    opts.stateDir,
  ], {
    onLine: (_s, line) => {
      lines.push(line);
      if (line.includes("l2vlan plugin listening")) listening();
    },
  });
  const exited = await Promise.race([ready.then(() => false), child.status.then(() => true)]);
  if (exited) throw new Error(`the l2vlan plugin exited: ${lines.join("\n")}`);
  return { child, lines };
}

/** `inet` address (CIDR), MAC, default route and link names of a container's netns. */
export async function containerNet(
  d: NetnsDockerd,
  name: string,
): Promise<{ address?: string; mac?: string; defaultVia?: string; links: string[] }> {
  const addr = await d.docker("exec", name, "ip", "-o", "-4", "addr", "show", "dev", "eth0");
  const link = await d.docker("exec", name, "ip", "-o", "link");
  const route = await d.docker("exec", name, "ip", "route");
  return {
    address: /inet (\S+)/.exec(addr)?.[1],
    mac: /eth0.*link\/ether (\S+)/.exec(link)?.[1],
    defaultVia: /^default via (\S+) dev eth0/m.exec(route)?.[1],
    links: link.split("\n").map((l) => /^\d+: ([^:@]+)/.exec(l)?.[1]).filter((x): x is string =>
      !!x
    ),
  };
}

/** Names of the links enslaved to `bridge` in the daemon's netns. */
export async function bridgePorts(d: NetnsDockerd, bridge: string): Promise<string[]> {
  const r = await d.inNs("ip", "-j", "link", "show", "master", bridge);
  if (r.code !== 0) return [];
  return (JSON.parse(r.stdout || "[]") as { ifname: string }[]).map((l) => l.ifname).sort();
}

/** All link names in the daemon's netns. */
export async function linkNames(d: NetnsDockerd): Promise<string[]> {
  const r = await d.inNs("ip", "-j", "link", "show");
  return (JSON.parse(r.stdout || "[]") as { ifname: string }[]).map((l) => l.ifname);
}

/** IPv4 addresses configured on a link in the daemon's netns. */
export async function ipv4Of(d: NetnsDockerd, dev: string): Promise<string[]> {
  const r = await d.inNs("ip", "-j", "-4", "addr", "show", "dev", dev);
  const list = JSON.parse(r.stdout || "[]") as { addr_info?: { local: string }[] }[];
  return list.flatMap((l) => (l.addr_info ?? []).map((a) => a.local));
}

/** `iptables -S` lines of the daemon's netns that mention `bridge`. */
export async function rulesFor(d: NetnsDockerd, bridge: string): Promise<string[]> {
  const r = await d.inNs("iptables", "-w", "-S");
  return r.stdout.split("\n").filter((l) => l.includes(` ${bridge} `));
}

/** The plugin's persisted state. */
export async function readState(path: string): Promise<L2vlanState> {
  return JSON.parse(await Deno.readTextFile(path)) as L2vlanState;
}

/** PIDs of managed l2vlan plugin processes running in the daemon's netns. */
export async function managedPluginPids(d: NetnsDockerd): Promise<number[]> {
  const ino = (await Deno.stat(`/run/netns/${d.ns}`)).ino;
  const out: number[] = [];
  for await (const e of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    const cmd = await Deno.readTextFile(`/proc/${e.name}/cmdline`).catch(() => "");
    if (!cmd.includes("/l2vlan/src/lib/plugin/l2vlan/entry.ts")) continue;
    const st = await Deno.stat(`/proc/${e.name}/ns/net`).catch(() => undefined);
    if (st?.ino === ino) out.push(Number(e.name));
  }
  return out;
}

/** Effective capability mask (hex) of a process. */
export async function capEff(pid: number): Promise<bigint> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return BigInt(`0x${/^CapEff:\s*([0-9a-f]+)/m.exec(status)![1]}`);
}

/** One swarm task as `docker service ps` shows it. */
export interface TaskRow {
  name: string;
  desired: string;
  current: string;
  error: string;
}

/** Tasks of some services (history included). */
export async function serviceTasks(d: NetnsDockerd, ...services: string[]): Promise<TaskRow[]> {
  const r = await d.dockerRaw(
    "service",
    "ps",
    "--no-trunc",
    "--format",
    "{{.Name}}|{{.DesiredState}}|{{.CurrentState}}|{{.Error}}",
    ...services,
  );
  return r.stdout.split("\n").filter(Boolean).map((l) => {
    const [name = "", desired = "", current = "", error = ""] = l.split("|");
    return { name, desired, current, error };
  });
}

/** The container of a service's running task (its name), when there is one. */
export async function runningContainer(
  d: NetnsDockerd,
  service: string,
): Promise<string | undefined> {
  const r = await d.dockerRaw(
    "ps",
    "--filter",
    `label=com.docker.swarm.service.name=${service}`,
    "--filter",
    "status=running",
    "--format",
    "{{.Names}}",
  );
  return r.stdout.split("\n").filter(Boolean)[0];
}
