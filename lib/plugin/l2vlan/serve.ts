/**
 * Serve the l2vlan plugin on a unix socket: load the state, reconcile it with the kernel, remove
 * a stale socket, then answer dockerd until the AbortSignal fires (in-flight calls finish, the
 * socket file is removed). The state is persisted by every call, so nothing is lost on SIGKILL.
 *
 * @module
 */
import { exec as realExec } from "../../exec/run.ts";
import { L2vlanDriver } from "./driver.ts";
import { createL2vlanHandler } from "./handler.ts";
import {
  type Firewall,
  IpLinks,
  IptablesFirewall,
  type IptablesMode,
  type Links,
  type PluginExec,
} from "./linux.ts";
import type { PluginLog } from "./network.ts";
import { L2vlanError } from "./protocol.ts";
import { StateStore } from "./state.ts";

import { DEFAULT_L2VLAN_SOCKET, DEFAULT_L2VLAN_STATE_DIR } from "./defaults.ts";
export { DEFAULT_L2VLAN_SOCKET, DEFAULT_L2VLAN_STATE_DIR };

/** Options for {@link serveL2vlan}. */
export interface ServeL2vlanOptions {
  socket: string;
  stateDir: string;
  log: PluginLog;
  /** Stop serving when this fires. */
  signal: AbortSignal;
  /** Which iptables (default `auto`). */
  iptables?: IptablesMode;
  /** Reclaim never-bound addresses after this many ms (default never). */
  reclaimUnboundMs?: number;
  /** Spawn point (tests may wrap it). */
  exec?: PluginExec;
  /** Substitute kernel (tests). */
  links?: Links;
  firewall?: Firewall;
  /** Called once the socket accepts connections. */
  onListen?: (socket: string) => void;
}

/**
 * Remove a socket file left by a previous (killed) instance. Refuses when the path is not a
 * socket, or when another process still answers on it.
 */
export async function removeStaleSocket(path: string): Promise<boolean> {
  let st: Deno.FileInfo;
  try {
    st = await Deno.lstat(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
  if (!st.isSocket) {
    throw new L2vlanError(`${path} exists and is not a socket: remove it or pass another --socket`);
  }
  let alive = false;
  try {
    const c = await Deno.connect({ transport: "unix", path });
    c.close();
    alive = true;
  } catch { /* nobody listens: stale */ }
  if (alive) {
    throw new L2vlanError(
      `Another process is serving ${path}: stop it first, or pass another --socket`,
    );
  }
  await Deno.remove(path);
  return true;
}

/** Serve until `signal` aborts. Throws when the state cannot be used or the socket is taken. */
export async function serveL2vlan(o: ServeL2vlanOptions): Promise<void> {
  const exec = o.exec ?? realExec;
  const store = new StateStore(o.stateDir);
  const loaded = await store.load();
  if (loaded.warning) o.log.error(loaded.warning);
  const driver = new L2vlanDriver({
    state: loaded.state,
    save: (s) => store.save(s),
    links: o.links ?? new IpLinks(exec),
    firewall: o.firewall ?? new IptablesFirewall(exec, o.iptables ?? "auto"),
    log: o.log,
    reclaimUnboundMs: o.reclaimUnboundMs,
  });
  await driver.recover(loaded.source !== "empty");
  if (o.signal.aborted) return;
  const dir = o.socket.slice(0, o.socket.lastIndexOf("/"));
  if (dir) await Deno.mkdir(dir, { recursive: true, mode: 0o755 });
  if (await removeStaleSocket(o.socket)) {
    o.log.info("l2vlan removed a stale socket", { socket: o.socket });
  }
  const handler = createL2vlanHandler(driver, o.log);
  const server = Deno.serve({
    path: o.socket,
    signal: o.signal,
    onListen: () => {
      o.log.info("l2vlan plugin listening", { socket: o.socket, state: store.path });
      o.onListen?.(o.socket);
    },
    onError: (err) => {
      o.log.error("l2vlan request failed", { error: String(err) });
      return new Response(JSON.stringify({ Err: String(err) }), { status: 500 });
    },
  }, handler);
  await server.finished;
  await Deno.remove(o.socket).catch(() => {});
  o.log.info("l2vlan plugin stopped", { socket: o.socket });
}
