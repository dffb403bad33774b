/**
 * The `ip` and `nsenter` of a handler context: the shapes a `reactor.config.ts` sees
 * (`ctx.ip.route.add(dst, { dev, netns: container })`), built on the label-networking helpers in
 * `lib/net/` (typed argv builders, idempotent add/del checked with `ip -j`, netns entry by
 * sandbox path or pid, rootless engines). Everything runs through the handler's `exec`.
 *
 * @module
 */
import type { ContainerInfo } from "../reactor.d.ts";
import { UsageError } from "../errors.ts";
import type { Run } from "../exec/run.ts";
import { ensureIp } from "../net/idempotent.ts";
import { ip as build, type IpCommand, ipJson, type Netns, runIp } from "../net/ip.ts";
import { containerNetns, nsenterArgs } from "../net/nsenter.ts";
import type { IpApi, Namespace, NetnsTarget, Nsenter, RouteOptions } from "../reactor.d.ts";

const NS_FLAGS: Record<Namespace, string> = {
  net: "-n",
  mount: "-m",
  uts: "-u",
  ipc: "-i",
  pid: "-p",
};

/** What the helpers need to know about the engine the event came from. */
export interface NetHost {
  id: string;
  local: boolean;
  rootless: boolean;
}

function requireLocal(host: NetHost): void {
  if (!host.local) {
    throw new UsageError(
      `Cannot enter a container's namespaces on host "${host.id}": its engine is remote — use ctx.docker.exec(...) instead`,
    );
  }
}

function pidOf(target: ContainerInfo | number): number {
  if (typeof target === "number") {
    if (!Number.isInteger(target) || target <= 0) {
      throw new UsageError(`Cannot enter namespaces of pid ${target}: not a process id`);
    }
    return target;
  }
  if (!target.running || target.pid <= 0) {
    throw new UsageError(
      `Cannot enter the namespaces of container "${target.name}": it is not running (pid 0) — ` +
        `do this in onStart, not onDie/onStop`,
    );
  }
  return target.pid;
}

/** Build `nsenter` for one host. Remote engines have no namespaces to enter. */
export function makeNsenter(exec: Run, host: NetHost): Nsenter {
  return async (target, argv, opts = {}) => {
    requireLocal(host);
    if (!argv.length) throw new UsageError("nsenter needs a program to run");
    const { namespaces = ["net"], ...rest } = opts;
    const pid = pidOf(target);
    if (namespaces.length === 1 && namespaces[0] === "net") {
      const t = typeof target === "number"
        ? { pid }
        : await containerNetns(target, { rootless: host.rootless });
      return await exec(nsenterArgs(t, argv, { rootless: host.rootless }), rest);
    }
    const user = host.rootless && Deno.uid() !== 0 ? ["-U", "--preserve-credentials"] : [];
    const flags = namespaces.map((n) => NS_FLAGS[n]);
    return await exec(["nsenter", ...user, "-t", String(pid), ...flags, "--", ...argv], rest);
  };
}

function netnsOf(target: NetnsTarget | undefined, host: NetHost): Netns | undefined {
  if (target === undefined || target === "host") return undefined;
  requireLocal(host);
  if (typeof target === "number") return { pid: pidOf(target) };
  pidOf(target);
  return { container: target };
}

/** Build `ip` for one host. */
export function makeIp(exec: Run, host: NetHost, signal?: AbortSignal): IpApi {
  const opts = { exec, rootless: host.rootless, signal };
  const route = (o: RouteOptions) => ({ ...o, netns: netnsOf(o.netns, host) });
  const ensure = async (c: IpCommand) => void await ensureIp(c, opts);
  return {
    route: {
      add: (dst, o = {}) => ensure(build.route.add(dst, route(o))),
      replace: async (dst, o = {}) => void await runIp(build.route.replace(dst, route(o)), opts),
      del: (dst, o = {}) => ensure(build.route.del(dst, route(o))),
      list: async (o = {}) => {
        const args = [
          "route",
          "show",
          ...(o.table !== undefined ? ["table", String(o.table)] : []),
        ];
        const v = await ipJson(args, netnsOf(o.netns, host), opts);
        return Array.isArray(v) ? v : [];
      },
    },
    addr: {
      add: (cidr, o) =>
        ensure(build.address.add(cidr, { dev: o.dev, netns: netnsOf(o.netns, host) })),
      del: (cidr, o) =>
        ensure(build.address.del(cidr, { dev: o.dev, netns: netnsOf(o.netns, host) })),
    },
    link: {
      set: async (dev, o) => {
        await runIp(
          build.link.set(dev, { up: o.up, mtu: o.mtu, netns: netnsOf(o.netns, host) }),
          opts,
        );
      },
    },
    run: (args, o = {}) => {
      const netns = netnsOf(o.netns, host);
      return runIp(netns ? { argv: ["ip", ...args], netns } : { argv: ["ip", ...args] }, opts);
    },
  };
}
