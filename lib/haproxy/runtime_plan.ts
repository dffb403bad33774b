/**
 * Decide how a new config reaches HAProxy: not at all, through the Runtime API, or by a reload.
 *
 * - The *structure* (everything but `server` lines) differs from the installed config → reload.
 * - A server kept in both configs changed options other than address, weight or `disabled`
 *   (e.g. check intervals from an edited template) → reload.
 * - Otherwise the servers HAProxy runs (`show servers state`) are brought to the new config:
 *   `add`, `del`, `weight`, `addr`, `enable`, `disable`. Diffing against what HAProxy really runs
 *   (not against what we last wrote) repairs a half-applied earlier attempt.
 *
 * Pure: no I/O.
 *
 * @module
 */
import type { ConfigShape, ServerLine } from "./config_text.ts";
import type { ServerState } from "./runtime_api.ts";

/** One Runtime API step. */
export type RuntimeOp =
  | { op: "add"; backend: string; server: string; args: string; enable: boolean; checked: boolean }
  | { op: "del"; backend: string; server: string }
  | { op: "weight"; backend: string; server: string; weight: number }
  | { op: "addr"; backend: string; server: string; address: string; port: number }
  | { op: "enable"; backend: string; server: string }
  | { op: "disable"; backend: string; server: string };

/** The decision. */
export type Plan =
  | { kind: "runtime"; ops: RuntimeOp[] }
  | { kind: "reload"; reason: string };

/**
 * Plan the change from `installed` (the config HAProxy was last given) to `desired`, given the
 * servers HAProxy runs now (`live`; pass undefined when the socket cannot be read: then only a
 * reload is safe).
 */
export function planChange(
  installed: ConfigShape | undefined,
  desired: ConfigShape,
  live: readonly ServerState[] | undefined,
): Plan {
  if (!installed) return { kind: "reload", reason: "no config is known to be installed" };
  if (installed.structure !== desired.structure) {
    return { kind: "reload", reason: "frontends, ACLs or backends changed" };
  }
  if (!live) return { kind: "reload", reason: "the Runtime API could not be read" };
  for (const [backend, servers] of desired.servers) {
    const before = installed.servers.get(backend) ?? new Map<string, ServerLine>();
    for (const [name, s] of servers) {
      if (!s.address || !Number.isInteger(s.weight)) {
        return {
          kind: "reload",
          reason:
            `server ${backend}/${name} is not "IPv4:port weight N", which only a reload applies`,
        };
      }
      const old = before.get(name);
      if (old && old.options !== s.options) {
        return { kind: "reload", reason: `options of server ${backend}/${name} changed` };
      }
    }
  }
  const running = new Map<string, Map<string, ServerState>>();
  for (const s of live) {
    if (!running.has(s.backend)) running.set(s.backend, new Map());
    running.get(s.backend)!.set(s.server, s);
  }
  const adds: RuntimeOp[] = [];
  const changes: RuntimeOp[] = [];
  const removals: RuntimeOp[] = [];
  for (const [backend, servers] of desired.servers) {
    const now = running.get(backend);
    if (!now) {
      // HAProxy does not know a backend of the installed structure: it runs another config
      if (servers.size > 0 || (installed.servers.get(backend)?.size ?? 0) > 0) {
        return { kind: "reload", reason: `HAProxy has no backend "${backend}"` };
      }
      continue;
    }
    for (const [name, s] of servers) {
      const cur = now.get(name);
      if (!cur) {
        adds.push({
          op: "add",
          backend,
          server: name,
          args: s.args,
          enable: !s.disabled,
          checked: /(^|\s)check(\s|$)/.test(s.options),
        });
        continue;
      }
      if (cur.address !== s.address || cur.port !== s.port) {
        changes.push({ op: "addr", backend, server: name, address: s.address, port: s.port });
      }
      if (cur.weight !== s.weight) {
        changes.push({ op: "weight", backend, server: name, weight: s.weight });
      }
      if (cur.maint && !s.disabled) changes.push({ op: "enable", backend, server: name });
      if (!cur.maint && s.disabled) changes.push({ op: "disable", backend, server: name });
    }
    for (const name of now.keys()) {
      if (!servers.has(name)) removals.push({ op: "del", backend, server: name });
    }
  }
  // capacity first: new servers, then changes, then removals
  return { kind: "runtime", ops: [...adds, ...changes, ...removals] };
}

/** One line per op, for logs: `add be_http_80/web_1`. */
export function describeOp(op: RuntimeOp): string {
  const t = `${op.backend}/${op.server}`;
  switch (op.op) {
    case "weight":
      return `weight ${t} ${op.weight}`;
    case "addr":
      return `addr ${t} ${op.address}:${op.port}`;
    default:
      return `${op.op} ${t}`;
  }
}
