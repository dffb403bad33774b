/**
 * Typed `ip` (iproute2) argv builders and runners. Building is pure; running goes through the
 * single spawn point, optionally inside a network namespace via {@link nsenter}.
 *
 * @example
 * ```ts ignore
 * import { ip, runIp } from "./ip.ts";
 * const cmd = ip.route.replace("10.77.0.0/16", { via: "172.17.0.1", netns: { container } });
 * await runIp(cmd, { exec, rootless: ctx.host.rootless });
 * ```
 *
 * @module
 */
import type { ContainerInfo, RouteOptions } from "../reactor.d.ts";
import type { Run, RunResult } from "../exec/run.ts";
import { nsenter, type NsenterMode } from "./nsenter.ts";

/** Which network namespace a command runs in; absent = the host's (reactor's own). */
export type Netns =
  | { container: Pick<ContainerInfo, "name" | "pid" | "running" | "sandboxKey"> }
  | { pid: number }
  | { path: string };

/** Route options: the public {@link RouteOptions}, with the namespace already resolved. */
export type RouteArgs = Omit<RouteOptions, "netns"> & { netns?: Netns };

/** Address options (`dev` is required by `ip address add/del`). */
export interface AddressArgs {
  dev: string;
  /** `ip address … label`. */
  label?: string;
  scope?: string;
  netns?: Netns;
}

/** Options for `ip link set`. */
export interface LinkSetArgs {
  up?: boolean;
  mtu?: number;
  /** Rename. */
  name?: string;
  /** MAC address. */
  address?: string;
  /** Move the link into the netns of this pid (or named netns). */
  moveToNetns?: number | string;
  netns?: Netns;
}

/** A built `ip` command: argv starting with `ip`, plus where to run it. */
export interface IpCommand {
  readonly argv: readonly string[];
  readonly netns?: Netns;
}

const SAFE_WORD = /^[^\s;]+$/;

function word(name: string, v: string | number): string {
  const s = String(v);
  if (!SAFE_WORD.test(s) || s.startsWith("-")) {
    throw new TypeError(`Invalid ${name} for ip: ${JSON.stringify(s)}`);
  }
  return s;
}

function routeArgs(dst: string, o: RouteArgs): string[] {
  const a = [word("destination", dst)];
  if (o.via !== undefined) a.push("via", word("via", o.via));
  if (o.dev !== undefined) a.push("dev", word("dev", o.dev));
  if (o.src !== undefined) a.push("src", word("src", o.src));
  if (o.table !== undefined) a.push("table", word("table", o.table));
  if (o.metric !== undefined) {
    if (!Number.isInteger(o.metric) || o.metric < 0) {
      throw new TypeError(`Invalid metric ${o.metric}`);
    }
    a.push("metric", String(o.metric));
  }
  if (o.proto !== undefined) a.push("proto", word("proto", o.proto));
  if (o.scope !== undefined) a.push("scope", word("scope", o.scope));
  return a;
}

function cmd(argv: string[], netns: Netns | undefined): IpCommand {
  return netns ? { argv, netns } : { argv };
}

function route(verb: string) {
  return (dst: string, o: RouteArgs = {}): IpCommand =>
    cmd(["ip", "route", verb, ...routeArgs(dst, o)], o.netns);
}

function address(verb: string) {
  return (addr: string, o: AddressArgs): IpCommand => {
    const a = ["ip", "address", verb, word("address", addr), "dev", word("dev", o.dev)];
    if (o.label !== undefined) a.push("label", word("label", o.label));
    if (o.scope !== undefined) a.push("scope", word("scope", o.scope));
    return cmd(a, o.netns);
  };
}

/** Typed builders. Each returns an {@link IpCommand}; nothing runs until {@link runIp}. */
export const ip = {
  route: {
    add: route("add"),
    replace: route("replace"),
    del: route("del"),
  },
  address: {
    add: address("add"),
    del: address("del"),
  },
  link: {
    set(dev: string, o: LinkSetArgs = {}): IpCommand {
      const a = ["ip", "link", "set", "dev", word("dev", dev)];
      if (o.up !== undefined) a.push(o.up ? "up" : "down");
      if (o.mtu !== undefined) a.push("mtu", word("mtu", o.mtu));
      if (o.name !== undefined) a.push("name", word("name", o.name));
      if (o.address !== undefined) a.push("address", word("address", o.address));
      if (o.moveToNetns !== undefined) a.push("netns", word("netns", o.moveToNetns));
      return cmd(a, o.netns);
    },
    add(
      name: string,
      type: string,
      o: { peer?: string; link?: string; mode?: string; netns?: Netns } = {},
    ): IpCommand {
      const a = ["ip", "link", "add"];
      if (o.link !== undefined) a.push("link", word("link", o.link));
      a.push("name", word("name", name), "type", word("type", type));
      if (o.mode !== undefined) a.push("mode", word("mode", o.mode));
      if (o.peer !== undefined) a.push("peer", "name", word("peer", o.peer));
      return cmd(a, o.netns);
    },
    del(name: string, o: { netns?: Netns } = {}): IpCommand {
      return cmd(["ip", "link", "del", "dev", word("dev", name)], o.netns);
    },
  },
  /**
   * An `ip <object> <words…>` command from already tokenized words (label values). The words
   * are passed as separate arguments; nothing is interpreted.
   */
  raw(object: "route" | "address" | "link", words: readonly string[], netns?: Netns): IpCommand {
    return cmd(["ip", object, ...words], netns);
  },
};

/** Options for {@link runIp}. */
export interface RunIpOptions extends NsenterMode {
  exec: Run;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Run a built command, entering its netns when it has one. Throws CommandError/NetnsGoneError. */
export async function runIp(c: IpCommand, opts: RunIpOptions): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  if (!c.netns) return await opts.exec(c.argv, { timeoutMs, signal: opts.signal });
  const target = "container" in c.netns ? c.netns.container : c.netns;
  return await nsenter(target, c.argv, { ...opts, timeoutMs });
}

/** Run `ip -j <args…>` in the command's netns and parse the JSON answer. */
export async function ipJson(
  args: readonly string[],
  netns: Netns | undefined,
  opts: RunIpOptions,
): Promise<unknown> {
  const r = await runIp(cmd(["ip", "-j", ...args], netns), opts);
  const text = r.stdout.trim();
  return text ? JSON.parse(text) : [];
}
