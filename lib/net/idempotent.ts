/**
 * Idempotent execution of `ip route|address` commands: re-applying what is already in place
 * succeeds, but only when it is exactly the same route/address (checked with `ip -j`).
 *
 * @module
 */
import { CommandError } from "../errors.ts";
import type { RunResult } from "../exec/run.ts";
import { type IpCommand, ipJson, runIp, type RunIpOptions } from "./ip.ts";

/** What {@link ensureIp} found or did. */
export type EnsureOutcome =
  /** The command ran and succeeded. */
  | "applied"
  /** `add` hit "File exists" and the exact same route/address is present. */
  | "present"
  /** `del` found nothing to delete. */
  | "absent";

/** The identifying fields of an `ip route` spec. */
export interface RouteSpec {
  dst?: string;
  type?: string;
  via?: string;
  dev?: string;
  table?: string;
  metric?: number;
  src?: string;
}

const ROUTE_TYPES = new Set([
  "unicast",
  "local",
  "broadcast",
  "multicast",
  "throw",
  "unreachable",
  "prohibit",
  "blackhole",
  "nat",
  "anycast",
]);
const ROUTE_VALUE_KEYS = new Set([
  "dev",
  "oif",
  "table",
  "metric",
  "preference",
  "priority",
  "src",
  "proto",
  "protocol",
  "scope",
  "tos",
  "dsfield",
  "mtu",
  "advmss",
  "realm",
  "realms",
  "rtt",
  "rttvar",
  "reordering",
  "window",
  "cwnd",
  "initcwnd",
  "initrwnd",
  "ssthresh",
  "features",
  "quickack",
  "congctl",
  "pref",
  "expires",
  "nhid",
  "weight",
  "vrf",
  "from",
  "encap",
  "hoplimit",
]);

/** Canonical destination as `ip -j route` prints it. */
export function normalizeDst(dst: string): string {
  if (
    dst === "default" || dst === "all" || dst === "0/0" || dst === "0.0.0.0/0" || dst === "::/0"
  ) {
    return "default";
  }
  if (dst.endsWith("/32") && !dst.includes(":")) return dst.slice(0, -3);
  if (dst.endsWith("/128") && dst.includes(":")) return dst.slice(0, -4);
  return dst;
}

/** Parse the words after `ip route <verb>` into the fields that identify a route (pure). */
export function parseRouteSpec(words: readonly string[]): RouteSpec {
  const s: RouteSpec = {};
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const next = words[i + 1];
    if (w === "to" && next !== undefined) {
      s.dst = normalizeDst(next);
      i++;
    } else if (w === "via" && next !== undefined) {
      let v = next;
      if ((v === "inet" || v === "inet6") && words[i + 2] !== undefined) {
        v = words[i + 2]!;
        i++;
      }
      s.via = v;
      i++;
    } else if (ROUTE_VALUE_KEYS.has(w) && next !== undefined) {
      if (w === "dev" || w === "oif") s.dev = next;
      else if (w === "table") s.table = next;
      else if (w === "metric" || w === "preference" || w === "priority") s.metric = Number(next);
      else if (w === "src") s.src = next;
      i++;
    } else if (ROUTE_TYPES.has(w) && s.dst === undefined && s.type === undefined) {
      s.type = w;
    } else if (s.dst === undefined) {
      s.dst = normalizeDst(w);
    }
  }
  return s;
}

/** True when a route entry from `ip -j route show` matches every field the spec names. */
export function routeMatches(entry: Record<string, unknown>, spec: RouteSpec): boolean {
  if (spec.dst === undefined || entry["dst"] !== spec.dst) return false;
  if ((entry["type"] ?? "unicast") !== (spec.type ?? "unicast")) return false;
  if (spec.via !== undefined && entry["gateway"] !== spec.via) return false;
  if (spec.dev !== undefined && entry["dev"] !== spec.dev) return false;
  const defaultMetric = spec.dst.includes(":") ? 1024 : 0;
  if (Number(entry["metric"] ?? 0) !== (spec.metric ?? defaultMetric)) return false;
  if (spec.src !== undefined && entry["prefsrc"] !== spec.src) return false;
  return true;
}

/** The fields of an `ip address add` spec. */
export interface AddressSpec {
  local?: string;
  prefixLen?: number;
  dev?: string;
}

const ADDR_VALUE_KEYS = new Set([
  "dev",
  "label",
  "scope",
  "broadcast",
  "brd",
  "anycast",
  "peer",
  "valid_lft",
  "preferred_lft",
  "metric",
  "proto",
]);

/** Parse the words after `ip address <verb>` (pure). */
export function parseAddressSpec(words: readonly string[]): AddressSpec {
  const s: AddressSpec = {};
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const next = words[i + 1];
    if (w === "local" && next !== undefined) {
      setAddr(s, next);
      i++;
    } else if (ADDR_VALUE_KEYS.has(w) && next !== undefined) {
      if (w === "dev") s.dev = next;
      i++;
    } else if (s.local === undefined && !/^[a-z_]+$/.test(w)) {
      setAddr(s, w);
    }
  }
  return s;
}

function setAddr(s: AddressSpec, v: string): void {
  const [addr, len] = v.split("/");
  s.local = addr;
  s.prefixLen = len === undefined ? (addr?.includes(":") ? 128 : 32) : Number(len);
}

/** True when `ip -j address show` output lists exactly this address on the device. */
export function addressPresent(links: unknown, spec: AddressSpec): boolean {
  if (!Array.isArray(links) || spec.local === undefined) return false;
  return links.some((l) =>
    (spec.dev === undefined || l?.ifname === spec.dev) &&
    Array.isArray(l?.addr_info) &&
    l.addr_info.some((a: Record<string, unknown>) =>
      a["local"] === spec.local && a["prefixlen"] === spec.prefixLen
    )
  );
}

const EXISTS = /File exists|already assigned/i;
const ROUTE_ABSENT = /No such process/i;
const ADDR_ABSENT = /Address not found|Cannot assign requested address/i;

/**
 * Run an `ip route|address` command idempotently. `add` that fails with "File exists" succeeds
 * ("present") only when the identical route/address is found; `del` of something absent succeeds
 * ("absent"). Everything else throws the original {@link CommandError}.
 */
export async function ensureIp(
  c: IpCommand,
  opts: RunIpOptions,
): Promise<{ outcome: EnsureOutcome; result?: RunResult }> {
  const [, object, verb, ...rest] = c.argv;
  try {
    return { outcome: "applied", result: await runIp(c, opts) };
  } catch (err) {
    if (!(err instanceof CommandError) || err.reason !== "exit") throw err;
    const text = err.stderr;
    const isRoute = object === "route" || object === "r" || object === "ro";
    const isAddr = object === "address" || object === "addr" || object === "a";
    const adding = verb === "add" || verb === "append" || verb === "prepend";
    const deleting = verb === "del" || verb === "delete";
    if (isRoute && adding && EXISTS.test(text)) {
      const spec = parseRouteSpec(rest);
      const family = (spec.dst ?? "").includes(":") || (spec.via ?? "").includes(":") ? ["-6"] : [];
      const entries = await ipJson(
        [...family, "route", "show", "table", spec.table ?? "main"],
        c.netns,
        opts,
      );
      if (Array.isArray(entries) && entries.some((e) => routeMatches(e, spec))) {
        return { outcome: "present" };
      }
    } else if (isAddr && adding && EXISTS.test(text)) {
      const spec = parseAddressSpec(rest);
      const links = await ipJson(
        ["address", "show", ...(spec.dev ? ["dev", spec.dev] : [])],
        c.netns,
        opts,
      );
      if (addressPresent(links, spec)) return { outcome: "present" };
    } else if (isRoute && deleting && ROUTE_ABSENT.test(text)) {
      return { outcome: "absent" };
    } else if (isAddr && deleting && ADDR_ABSENT.test(text)) {
      return { outcome: "absent" };
    }
    throw err;
  }
}
