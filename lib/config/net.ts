/**
 * The `ip` and `nsenter` helpers of a handler context, built on the single spawn point.
 * (Kept small and local to the config layer; `lib/net/` from the label-networking work offers
 * the same operations for built-in hooks.)
 *
 * @module
 */
import { CommandError, UsageError } from "../errors.ts";
import type { ContainerInfo } from "../docker/types.ts";
import type {
  IpApi,
  Namespace,
  NetnsTarget,
  Nsenter,
  RouteOptions,
  Run,
  RunResult,
} from "./types.ts";

const NS_FLAGS: Record<Namespace, string> = {
  net: "-n",
  mount: "-m",
  uts: "-u",
  ipc: "-i",
  pid: "-p",
};

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
export function makeNsenter(run: Run, host: { id: string; local: boolean }): Nsenter {
  return (target, argv, opts = {}) => {
    if (!host.local) {
      throw new UsageError(
        `Cannot nsenter on host "${host.id}": its engine is remote — use ctx.docker.exec(...) instead`,
      );
    }
    if (!argv.length) throw new UsageError("nsenter needs a program to run");
    const { namespaces = ["net"], ...rest } = opts;
    const flags = namespaces.map((n) => NS_FLAGS[n]);
    return run(["nsenter", "-t", String(pidOf(target)), ...flags, "--", ...argv], rest);
  };
}

function routeArgs(dst: string, o: RouteOptions): string[] {
  const a = [dst];
  if (o.via) a.push("via", o.via);
  if (o.dev) a.push("dev", o.dev);
  if (o.table !== undefined) a.push("table", String(o.table));
  if (o.metric !== undefined) a.push("metric", String(o.metric));
  if (o.src) a.push("src", o.src);
  if (o.proto) a.push("proto", o.proto);
  if (o.scope) a.push("scope", o.scope);
  return a;
}

const ABSENT = /No such process|Cannot assign requested address|No such device|does not exist/i;

/** Build `ip` for one host. */
export function makeIp(run: Run, nsenter: Nsenter): IpApi {
  const ip = (args: readonly string[], netns: NetnsTarget | undefined): Promise<RunResult> =>
    netns === undefined || netns === "host"
      ? run(["ip", ...args])
      : nsenter(netns, ["ip", ...args]);
  const ignoreAbsent = async (p: Promise<RunResult>) => {
    try {
      await p;
    } catch (err) {
      if (err instanceof CommandError && ABSENT.test(err.stderr)) return;
      throw err;
    }
  };
  return {
    route: {
      add: async (dst, o = {}) =>
        void await ip(["route", "replace", ...routeArgs(dst, o)], o.netns),
      replace: async (dst, o = {}) =>
        void await ip(["route", "replace", ...routeArgs(dst, o)], o.netns),
      del: (dst, o = {}) => ignoreAbsent(ip(["route", "del", ...routeArgs(dst, o)], o.netns)),
      list: async (o = {}) => {
        const args = ["-j", "route", "show"];
        if (o.table !== undefined) args.push("table", String(o.table));
        const r = await ip(args, o.netns);
        const v: unknown = JSON.parse(r.stdout || "[]");
        return Array.isArray(v) ? v : [];
      },
    },
    addr: {
      add: async (cidr, o) => void await ip(["addr", "replace", cidr, "dev", o.dev], o.netns),
      del: (cidr, o) => ignoreAbsent(ip(["addr", "del", cidr, "dev", o.dev], o.netns)),
    },
    link: {
      set: async (dev, o) => {
        const args = ["link", "set", "dev", dev];
        if (o.up !== undefined) args.push(o.up ? "up" : "down");
        if (o.mtu !== undefined) args.push("mtu", String(o.mtu));
        await ip(args, o.netns);
      },
    },
    run: (args, o = {}) => ip(args, o.netns),
  };
}
