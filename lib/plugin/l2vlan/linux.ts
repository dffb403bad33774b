/**
 * The kernel side of l2vlan: pure argv builders for iproute2 `ip` and `iptables`, and the
 * {@link Links} / {@link Firewall} implementations that run them through the single spawn point.
 * The driver only sees the two interfaces, so tests substitute an in-memory kernel.
 *
 * @module
 */
import { CommandError, oneLine } from "../../errors.ts";
import { L2vlanError } from "./protocol.ts";

/**
 * The spawn point as l2vlan uses it: `exec` from `lib/exec/run.ts` satisfies it (declared here
 * structurally so the plugin does not depend on that module's type names).
 */
export type PluginExec = (
  argv: readonly string[],
  opts?: {
    timeoutMs?: number;
    okCodes?: readonly number[];
    cwd?: string;
    env?: Record<string, string>;
    clearEnv?: boolean;
  },
) => Promise<{ code: number; stdout: string; stderr: string }>;

/** What l2vlan needs to know about one link (from `ip -j -d link show`). */
export interface LinkInfo {
  name: string;
  /** `bridge`, `veth`, `vlan`, … (undefined for plain devices such as a NIC). */
  kind?: string;
  /** Bridge this link is enslaved to. */
  master?: string;
  mtu: number;
  /** veth peer / VLAN parent, when it is in this network namespace. */
  link?: string;
  /** True when the veth peer lives in another network namespace (inside a container). */
  linkElsewhere: boolean;
  /** VLAN ID of a `vlan` link. */
  vlanId?: number;
  /** Administratively up. */
  up: boolean;
}

/** Link operations (host network namespace). Every method throws {@link L2vlanError}. */
export interface Links {
  get(name: string): Promise<LinkInfo | undefined>;
  list(): Promise<LinkInfo[]>;
  addBridge(name: string): Promise<void>;
  addVlan(parent: string, name: string, id: number): Promise<void>;
  addVeth(hostIf: string, ctrIf: string, opts: { mtu?: number; mac: string }): Promise<void>;
  setMaster(dev: string, master: string | undefined): Promise<void>;
  setUp(dev: string): Promise<void>;
  /** Delete a link; false when it did not exist. */
  del(name: string): Promise<boolean>;
}

/** Where a FORWARD ACCEPT rule went. */
export interface ForwardRule {
  /** iptables binary (`iptables`, `iptables-nft`, `iptables-legacy`). */
  tool: string;
  /** `DOCKER-USER` when Docker manages iptables, else `FORWARD`. */
  chain: string;
}

/** The ACCEPT rule for traffic bridged through one bridge (needed under Docker's FORWARD DROP). */
export interface Firewall {
  /** Ensure the rule; returns where it is and whether this call inserted it. */
  ensureForward(bridge: string): Promise<ForwardRule & { inserted: boolean }>;
  /** Remove the rule from where it was put (missing is fine). */
  removeForward(bridge: string, rule: ForwardRule): Promise<void>;
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

function word(value: string, what: string): string {
  if (!/^[A-Za-z0-9_.:@-]+$/.test(value) || value.startsWith("-")) {
    throw new TypeError(`Invalid ${what} for ip: ${JSON.stringify(value)}`);
  }
  return value;
}

/** Pure argv builders for iproute2 `ip` (never busybox: it ignores the veth peer name). */
export const ipArgv = {
  show: (
    name?: string,
  ): string[] => ["ip", "-j", "-d", "link", "show", ...(name ? ["dev", word(name, "device")] : [])],
  addBridge: (name: string): string[] => [
    "ip",
    "link",
    "add",
    "name",
    word(name, "bridge"),
    "type",
    "bridge",
  ],
  addVlan: (parent: string, name: string, id: number): string[] => {
    if (!Number.isInteger(id) || id < 1 || id > 4094) throw new TypeError(`Invalid VLAN id ${id}`);
    return [
      "ip",
      "link",
      "add",
      "link",
      word(parent, "parent"),
      "name",
      word(name, "VLAN interface"),
      "type",
      "vlan",
      "id",
      String(id),
    ];
  },
  addVeth: (hostIf: string, ctrIf: string, mtu?: number): string[] => {
    const m = mtu === undefined ? [] : ["mtu", String(mtu)];
    return [
      "ip",
      "link",
      "add",
      "name",
      word(hostIf, "veth"),
      ...m,
      "type",
      "veth",
      "peer",
      "name",
      word(ctrIf, "veth peer"),
      ...m,
    ];
  },
  setAddress: (dev: string, mac: string): string[] => {
    if (!MAC.test(mac)) throw new TypeError(`Invalid MAC address ${JSON.stringify(mac)}`);
    return ["ip", "link", "set", "dev", word(dev, "device"), "address", mac];
  },
  setMaster: (dev: string, master: string | undefined): string[] => [
    "ip",
    "link",
    "set",
    "dev",
    word(dev, "device"),
    ...(master === undefined ? ["nomaster"] : ["master", word(master, "bridge")]),
  ],
  setUp: (dev: string): string[] => ["ip", "link", "set", "dev", word(dev, "device"), "up"],
  del: (dev: string): string[] => ["ip", "link", "del", "dev", word(dev, "device")],
};

/** Pure argv builders for the per-bridge FORWARD rule. */
export const iptablesArgv = {
  /** `-C` (check), `-I` (insert at the top) or `-D` (delete) the ACCEPT rule. */
  rule: (tool: string, op: "-C" | "-I" | "-D", chain: string, bridge: string): string[] => [
    tool,
    "-w",
    op,
    chain,
    "-i",
    word(bridge, "bridge"),
    "-o",
    bridge,
    "-j",
    "ACCEPT",
  ],
  /** Exit 0 when the chain exists in the filter table. */
  chainExists: (tool: string, chain: string): string[] => [tool, "-w", "-S", chain],
};

function fail(what: string, err: unknown, fix = ""): L2vlanError {
  const detail = err instanceof CommandError
    ? (err.reason === "not-found"
      ? `program "${err.argv[0]}" not found (install iproute2/iptables)`
      : oneLine(err.stderr || err.stdout) || `exit code ${err.code}`)
    : (err as Error).message;
  return new L2vlanError(`${what}: ${detail}${fix ? ` — ${fix}` : ""}`, { cause: err });
}

interface RawLink {
  ifname?: string;
  flags?: string[];
  master?: string;
  mtu?: number;
  link?: string;
  link_netnsid?: number;
  linkinfo?: { info_kind?: string; info_data?: { id?: number } };
}

function toInfo(r: RawLink): LinkInfo {
  return {
    name: r.ifname ?? "",
    kind: r.linkinfo?.info_kind,
    master: r.master,
    mtu: r.mtu ?? 0,
    link: r.link_netnsid === undefined ? r.link : undefined,
    linkElsewhere: r.link_netnsid !== undefined,
    vlanId: r.linkinfo?.info_kind === "vlan" ? r.linkinfo.info_data?.id : undefined,
    up: r.flags?.includes("UP") ?? false,
  };
}

/** {@link Links} on the real kernel through `ip`. */
export class IpLinks implements Links {
  readonly #exec: PluginExec;
  constructor(exec: PluginExec) {
    this.#exec = exec;
  }
  async #run(argv: string[], what: string, fix = ""): Promise<void> {
    try {
      await this.#exec(argv, { timeoutMs: 15_000 });
    } catch (err) {
      throw fail(what, err, fix);
    }
  }
  async get(name: string): Promise<LinkInfo | undefined> {
    let out;
    try {
      out = await this.#exec(ipArgv.show(name), { timeoutMs: 15_000, okCodes: [0, 1] });
    } catch (err) {
      throw fail(`Cannot inspect interface ${name}`, err);
    }
    if (out.code !== 0) {
      if (/does not exist|Cannot find device/i.test(out.stderr)) return undefined;
      throw new L2vlanError(`Cannot inspect interface ${name}: ${oneLine(out.stderr)}`);
    }
    const list = JSON.parse(out.stdout || "[]") as RawLink[];
    return list[0] ? toInfo(list[0]) : undefined;
  }
  async list(): Promise<LinkInfo[]> {
    try {
      const out = await this.#exec(ipArgv.show(), { timeoutMs: 15_000 });
      return (JSON.parse(out.stdout || "[]") as RawLink[]).map(toInfo);
    } catch (err) {
      throw fail("Cannot list interfaces", err);
    }
  }
  async addBridge(name: string): Promise<void> {
    await this.#run(ipArgv.addBridge(name), `Cannot create bridge ${name}`);
  }
  async addVlan(parent: string, name: string, id: number): Promise<void> {
    await this.#run(
      ipArgv.addVlan(parent, name, id),
      `Cannot create VLAN interface ${name} (id ${id}) on ${parent}`,
      "this kernel needs 802.1Q support (modprobe 8021q); without it use -o vlan_id=0 on an interface that already carries the VLAN",
    );
  }
  async addVeth(hostIf: string, ctrIf: string, o: { mtu?: number; mac: string }): Promise<void> {
    await this.#run(ipArgv.addVeth(hostIf, ctrIf, o.mtu), `Cannot create veth pair ${hostIf}`);
    await this.#run(ipArgv.setAddress(ctrIf, o.mac), `Cannot set MAC ${o.mac} on ${ctrIf}`);
  }
  async setMaster(dev: string, master: string | undefined): Promise<void> {
    await this.#run(
      ipArgv.setMaster(dev, master),
      master ? `Cannot attach ${dev} to bridge ${master}` : `Cannot detach ${dev} from its bridge`,
    );
  }
  async setUp(dev: string): Promise<void> {
    await this.#run(ipArgv.setUp(dev), `Cannot bring ${dev} up`);
  }
  async del(name: string): Promise<boolean> {
    let out;
    try {
      out = await this.#exec(ipArgv.del(name), { timeoutMs: 15_000, okCodes: [0, 1, 2] });
    } catch (err) {
      throw fail(`Cannot delete interface ${name}`, err);
    }
    if (out.code === 0) return true;
    if (/does not exist|Cannot find device/i.test(out.stderr)) return false;
    throw new L2vlanError(`Cannot delete interface ${name}: ${oneLine(out.stderr)}`);
  }
}

/** Which iptables to use: `auto` finds the backend Docker uses (the one with `DOCKER-USER`). */
export type IptablesMode = "auto" | "iptables" | "iptables-nft" | "iptables-legacy";

/** {@link Firewall} through iptables. */
export class IptablesFirewall implements Firewall {
  readonly #exec: PluginExec;
  readonly #mode: IptablesMode;
  constructor(exec: PluginExec, mode: IptablesMode = "auto") {
    this.#exec = exec;
    this.#mode = mode;
  }
  async #ok(argv: string[]): Promise<boolean> {
    try {
      await this.#exec(argv, { timeoutMs: 30_000 });
      return true;
    } catch (err) {
      if (err instanceof CommandError && err.reason === "exit") return false;
      if (err instanceof CommandError && err.reason === "not-found") return false;
      throw err;
    }
  }
  /** The iptables binary and chain for new rules. */
  async target(): Promise<ForwardRule> {
    const tools = this.#mode === "auto"
      ? ["iptables-nft", "iptables-legacy", "iptables"]
      : [this.#mode];
    for (const tool of tools) {
      if (await this.#ok(iptablesArgv.chainExists(tool, "DOCKER-USER"))) {
        return { tool, chain: "DOCKER-USER" };
      }
    }
    return { tool: this.#mode === "auto" ? "iptables" : this.#mode, chain: "FORWARD" };
  }
  async ensureForward(bridge: string): Promise<ForwardRule & { inserted: boolean }> {
    const t = await this.target().catch((err) => {
      throw fail(`Cannot inspect iptables for bridge ${bridge}`, err);
    });
    if (await this.#ok(iptablesArgv.rule(t.tool, "-C", t.chain, bridge))) {
      return { ...t, inserted: false };
    }
    try {
      await this.#exec(iptablesArgv.rule(t.tool, "-I", t.chain, bridge), { timeoutMs: 30_000 });
    } catch (err) {
      throw fail(
        `Cannot add the ${t.chain} ACCEPT rule for bridge ${bridge}`,
        err,
        "l2vlan needs iptables and CAP_NET_ADMIN (plus CAP_NET_RAW for iptables-legacy); or create the network with -o iptables=false and allow the bridged traffic yourself",
      );
    }
    return { ...t, inserted: true };
  }
  async removeForward(bridge: string, rule: ForwardRule): Promise<void> {
    // One -D removes the one copy l2vlan inserted (a missing rule is fine).
    await this.#ok(iptablesArgv.rule(rule.tool, "-D", rule.chain, bridge));
  }
}
