/**
 * Network options (`docker network create -o key=value`) and the interface names l2vlan derives.
 *
 * Options: `ext_if` (parent interface), `vlan_id` (1..4094 tagged, 0 untagged: the parent itself
 * joins the bridge), `bridge_name` (default `vlan<id>` / `br-<ext_if>`), `mtu` (or
 * `com.docker.network.driver.mtu`), `iptables` (`false` skips the FORWARD ACCEPT rule).
 *
 * @module
 */
import { GENERIC_OPTIONS, L2vlanError } from "./protocol.ts";

/** Parsed network options. */
export interface NetworkOptions {
  bridge: string;
  /** Parent interface; absent only when the bridge is used as it is. */
  extIf?: string;
  /** 1..4094 tagged; 0 untagged. Present exactly when `extIf` is. */
  vlanId?: number;
  /** The port that joins the bridge: `<ext_if>.<vlan_id>` or `<ext_if>`. */
  port?: string;
  mtu?: number;
  iptables: boolean;
}

/** Linux interface names: at most 15 bytes, no `/`, whitespace, `:` or leading `-`/`.`. */
const IFNAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/;

/** True when `name` is a valid, safe Linux interface name. */
export function isIfName(name: string): boolean {
  return IFNAME.test(name) && name !== "." && name !== "..";
}

const KNOWN = new Set([
  "ext_if",
  "vlan_id",
  "bridge_name",
  "mtu",
  "iptables",
  "com.docker.network.driver.mtu",
]);

function bad(message: string): L2vlanError {
  return new L2vlanError(message, { status: 400 });
}

function name(value: string, option: string): string {
  if (!isIfName(value)) {
    throw bad(
      `Invalid -o ${option}=${value}: an interface name has 1 to 15 characters from A-Z a-z 0-9 _ . -`,
    );
  }
  return value;
}

/** Parse the generic options of CreateNetwork. Throws a 400 {@link L2vlanError}. */
export function parseNetworkOptions(options: Record<string, unknown>): NetworkOptions {
  const raw = options[GENERIC_OPTIONS] ?? {};
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw bad(`Bad CreateNetwork request: "${GENERIC_OPTIONS}" must be an object`);
  }
  const o: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!KNOWN.has(k)) {
      throw bad(
        `Unknown option -o ${k}: l2vlan knows ext_if, vlan_id, bridge_name, mtu and iptables`,
      );
    }
    o[k] = String(v);
  }
  const extIf = o.ext_if === undefined ? undefined : name(o.ext_if, "ext_if");
  let vlanId: number | undefined;
  if (o.vlan_id !== undefined) {
    if (!/^\d{1,5}$/.test(o.vlan_id) || Number(o.vlan_id) > 4094) {
      throw bad(
        `Invalid -o vlan_id=${o.vlan_id}: use 1..4094 for a tagged VLAN, or 0 to put ext_if itself on the bridge untagged`,
      );
    }
    vlanId = Number(o.vlan_id);
  }
  if (extIf !== undefined && vlanId === undefined) {
    throw bad(
      `Missing -o vlan_id for ext_if ${extIf}: use 1..4094 for a tagged VLAN, or vlan_id=0 to enslave ${extIf} untagged`,
    );
  }
  if (vlanId !== undefined && extIf === undefined) {
    throw bad(`-o vlan_id=${vlanId} needs -o ext_if=<parent interface>`);
  }
  let port: string | undefined;
  if (extIf !== undefined && vlanId !== undefined) {
    port = vlanId === 0 ? extIf : `${extIf}.${vlanId}`;
    if (!isIfName(port)) {
      throw bad(
        `VLAN interface name ${port} is longer than 15 characters: rename ${extIf} (ip link set ${extIf} name …) or use a shorter parent`,
      );
    }
  }
  let bridge: string;
  if (o.bridge_name !== undefined) bridge = name(o.bridge_name, "bridge_name");
  else if (vlanId) bridge = `vlan${vlanId}`;
  else if (extIf !== undefined && isIfName(`br-${extIf}`)) bridge = `br-${extIf}`;
  else {
    throw bad(
      "Missing -o bridge_name: name the bridge, and give -o ext_if=<parent> -o vlan_id=<1..4094|0> unless the bridge already exists",
    );
  }
  if (port === bridge) throw bad(`-o bridge_name=${bridge} must differ from the port ${port}`);
  const mtuText = o.mtu ?? o["com.docker.network.driver.mtu"];
  let mtu: number | undefined;
  if (mtuText !== undefined) {
    mtu = Number(mtuText);
    if (!/^\d+$/.test(mtuText) || mtu < 68 || mtu > 65535) {
      throw bad(`Invalid -o mtu=${mtuText}: use a number from 68 to 65535`);
    }
  }
  let iptables = true;
  if (o.iptables !== undefined) {
    if (!/^(true|false|1|0|yes|no)$/i.test(o.iptables)) {
      throw bad(`Invalid -o iptables=${o.iptables}: use true or false`);
    }
    iptables = /^(true|1|yes)$/i.test(o.iptables);
  }
  return { bridge, extIf, vlanId, port, mtu, iptables };
}

/** Host and container veth names of an endpoint: `l2vh`/`l2vc` + 11 characters of its ID. */
export function vethNames(endpointId: string): { hostIf: string; ctrIf: string } {
  const id = endpointId.replace(/[^A-Za-z0-9]/g, "").slice(0, 11).toLowerCase();
  if (id.length < 11) {
    throw bad(`Invalid EndpointID "${endpointId}": expected dockerd's 64-hex endpoint ID`);
  }
  return { hostIf: `l2vh${id}`, ctrIf: `l2vc${id}` };
}

/** Prefix of every host-side veth l2vlan creates (recovery looks for these). */
export const HOST_VETH_PREFIX = "l2vh";
/** Prefix of every container-side veth l2vlan creates. */
export const CTR_VETH_PREFIX = "l2vc";
