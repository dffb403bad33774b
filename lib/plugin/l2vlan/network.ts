/**
 * Bridge, VLAN port, forwarding rule and veth handling on top of {@link Links} and
 * {@link Firewall}. All steps are idempotent, so they run again on every CreateEndpoint and at
 * plugin start (after a host reboot dockerd does not send CreateNetwork again).
 *
 * @module
 */
import type { Firewall, Links } from "./linux.ts";
import { HOST_VETH_PREFIX, type NetworkOptions } from "./options.ts";
import { L2vlanError } from "./protocol.ts";
import type { BridgeRecord, L2vlanState } from "./state.ts";

/** The logging l2vlan needs (satisfied by reactor's `Log`). */
export interface PluginLog {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** The kernel as l2vlan sees it. */
export interface Kernel {
  links: Links;
  firewall: Firewall;
  log: PluginLog;
}

/** The layout a network asks for on its bridge. */
export type BridgeWish = Pick<NetworkOptions, "bridge" | "extIf" | "vlanId" | "port" | "iptables">;

/** Networks (other than `except`) that use `bridge`. */
export function networksOn(state: L2vlanState, bridge: string, except?: string): string[] {
  return Object.entries(state.networks)
    .filter(([id, n]) => n.bridge === bridge && id !== except)
    .map(([id]) => id);
}

/**
 * Refuse a layout that contradicts what another network already put on the same bridge
 * (different parent or VLAN): one bridge is one L2 segment.
 */
export function checkBridgeConflict(
  state: L2vlanState,
  wish: BridgeWish,
  networkId: string,
): void {
  const rec = state.bridges[wish.bridge];
  const others = networksOn(state, wish.bridge, networkId);
  if (!rec || others.length === 0 || wish.extIf === undefined || rec.extIf === undefined) return;
  if (rec.extIf !== wish.extIf || rec.vlanId !== wish.vlanId) {
    throw new L2vlanError(
      `Bridge ${wish.bridge} already carries ext_if ${rec.extIf} vlan_id ${rec.vlanId} for network ${
        others[0]!.slice(0, 12)
      }: use the same -o ext_if/-o vlan_id, or another -o bridge_name`,
    );
  }
}

/**
 * Make the bridge exist and be up; when l2vlan owns it, enslave the port (`<ext_if>.<vlan>`,
 * created if needed, or `<ext_if>` untagged); ensure the FORWARD ACCEPT rule. A bridge that
 * existed before l2vlan is used as it is (no port is added), as the original plugin did.
 */
export async function ensureBridge(
  state: L2vlanState,
  wish: BridgeWish,
  k: Kernel,
): Promise<BridgeRecord> {
  const { links } = k;
  const name = wish.bridge;
  const info = await links.get(name);
  if (info && info.kind !== "bridge") {
    throw new L2vlanError(
      `Interface ${name} exists and is not a bridge (${
        info.kind ?? "device"
      }): choose another -o bridge_name`,
    );
  }
  const rec: BridgeRecord = state.bridges[name] ??
    { createdBridge: !info, createdPort: false };
  state.bridges[name] = rec;
  if (wish.extIf !== undefined && rec.extIf === undefined) {
    rec.extIf = wish.extIf;
    rec.vlanId = wish.vlanId;
  }
  // Check the parent before creating anything, so a typo leaves nothing behind.
  const owned = !info || rec.createdBridge;
  const parent = owned && rec.extIf !== undefined ? await links.get(rec.extIf) : undefined;
  if (owned && rec.extIf !== undefined && !parent) {
    throw new L2vlanError(
      `ext_if ${rec.extIf} does not exist on this node: pass the name of the parent interface (see ip link) with -o ext_if`,
    );
  }
  if (parent && rec.vlanId === 0 && parent.master !== undefined && parent.master !== name) {
    throw new L2vlanError(
      `ext_if ${rec.extIf} is already a port of bridge ${parent.master}: untagged mode (vlan_id=0) needs a free interface`,
    );
  }
  if (!info) {
    await links.addBridge(name);
    rec.createdBridge = true;
    k.log.info("l2vlan created bridge", { bridge: name });
  }
  if (rec.createdBridge && rec.extIf !== undefined && rec.vlanId !== undefined) {
    await ensurePort(rec, name, k);
  }
  if (!info?.up) await links.setUp(name);
  if (wish.iptables) {
    const r = await k.firewall.ensureForward(name);
    if (r.inserted) {
      rec.forward = { tool: r.tool, chain: r.chain };
      k.log.info("l2vlan added forward rule", { bridge: name, tool: r.tool, chain: r.chain });
    }
  }
  return rec;
}

async function ensurePort(rec: BridgeRecord, bridge: string, k: Kernel): Promise<void> {
  const extIf = rec.extIf!;
  const vlanId = rec.vlanId!;
  const port = vlanId === 0 ? extIf : `${extIf}.${vlanId}`;
  let info = await k.links.get(port);
  if (vlanId > 0) {
    if (!info) {
      await k.links.addVlan(extIf, port, vlanId);
      rec.createdPort = true;
      info = await k.links.get(port);
      k.log.info("l2vlan created VLAN interface", { port, vlanId, extIf });
    } else if (info.kind !== "vlan" || info.vlanId !== vlanId || info.link !== extIf) {
      throw new L2vlanError(
        `Interface ${port} exists but is not VLAN ${vlanId} on ${extIf}: delete it (ip link del ${port}) or use another ext_if`,
      );
    }
  }
  rec.port = port;
  if (info?.master !== bridge) await k.links.setMaster(port, bridge);
  const parent = await k.links.get(extIf);
  if (!parent?.up) await k.links.setUp(extIf);
  if (vlanId > 0 && !info?.up) await k.links.setUp(port);
}

/**
 * Undo what l2vlan did to a bridge once no network uses it: the forward rule, the VLAN
 * sub-interface it created (or the untagged parent it enslaved), and the bridge it created —
 * unless something else was attached to the bridge meanwhile.
 */
export async function teardownBridge(state: L2vlanState, name: string, k: Kernel): Promise<void> {
  const rec = state.bridges[name];
  if (!rec || networksOn(state, name).length > 0) return;
  if (rec.forward) {
    await k.firewall.removeForward(name, rec.forward);
    k.log.info("l2vlan removed forward rule", { bridge: name });
  }
  delete state.bridges[name];
  if (!rec.createdBridge) return;
  const ports = (await k.links.list()).filter((l) => l.master === name);
  const foreign = ports.filter((p) => p.name !== rec.port && !p.name.startsWith(HOST_VETH_PREFIX));
  if (foreign.length > 0) {
    k.log.warn("l2vlan keeps bridge: other interfaces are attached", {
      bridge: name,
      ports: foreign.map((p) => p.name),
    });
    return;
  }
  if (rec.port && rec.createdPort) await k.links.del(rec.port);
  else if (rec.port && ports.some((p) => p.name === rec.port)) {
    await k.links.setMaster(rec.port, undefined);
  }
  await k.links.del(name);
  k.log.info("l2vlan deleted bridge", { bridge: name, port: rec.port });
}

/** Create an endpoint's veth pair (host end on the bridge and up); any leftover is replaced. */
export async function createVeth(
  k: Kernel,
  ep: { hostIf: string; ctrIf: string; bridge: string; mac: string; mtu?: number },
): Promise<void> {
  await k.links.del(ep.hostIf);
  try {
    await k.links.addVeth(ep.hostIf, ep.ctrIf, { mtu: ep.mtu, mac: ep.mac });
    await k.links.setMaster(ep.hostIf, ep.bridge);
    await k.links.setUp(ep.hostIf);
  } catch (err) {
    await k.links.del(ep.hostIf).catch(() => false);
    throw err;
  }
}
