/**
 * In-memory kernel for the l2vlan unit tests: links with kinds, masters and veth peers, and a
 * set of FORWARD rules. Records every operation so tests can assert what would have run.
 *
 * @module
 */
import type { Firewall, ForwardRule, LinkInfo, Links } from "./linux.ts";
import type { Kernel, PluginLog } from "./network.ts";
import { L2vlanError } from "./protocol.ts";

/** A fake {@link Kernel} plus inspection helpers. */
export interface FakeKernel extends Kernel {
  /** Current links by name. */
  readonly linkMap: Map<string, LinkInfo>;
  /** FORWARD rules as `tool chain bridge`. */
  readonly rules: Set<string>;
  /** Operations in order (`addBridge vlan2000`, …). */
  readonly ops: string[];
  /** Log lines (`level message`). */
  readonly logs: string[];
  /** Make the next operation whose text starts with `prefix` fail. */
  failNext(prefix: string): void;
  /** Simulate a container going away: its veth pair disappears. */
  dropVeth(hostIf: string): void;
  /** Simulate dockerd moving the container end into a sandbox. */
  moveToSandbox(ctrIf: string): void;
}

/** A fake kernel with the given plain devices (e.g. the parent NIC `eno1`). */
export function fakeKernel(devices: string[] = ["eno1"]): FakeKernel {
  const linkMap = new Map<string, LinkInfo>();
  const rules = new Set<string>();
  const ops: string[] = [];
  const logs: string[] = [];
  const failing: string[] = [];
  for (const d of devices) linkMap.set(d, { name: d, mtu: 1500, linkElsewhere: false, up: false });
  const op = (text: string) => {
    ops.push(text);
    const i = failing.findIndex((p) => text.startsWith(p));
    if (i >= 0) {
      failing.splice(i, 1);
      throw new L2vlanError(`fake failure: ${text}`);
    }
  };
  const must = (name: string) => {
    const l = linkMap.get(name);
    if (!l) throw new L2vlanError(`fake: no device ${name}`);
    return l;
  };
  const links: Links = {
    get: (name) => Promise.resolve(linkMap.has(name) ? { ...linkMap.get(name)! } : undefined),
    list: () => Promise.resolve([...linkMap.values()].map((l) => ({ ...l }))),
    addBridge(name) {
      op(`addBridge ${name}`);
      if (linkMap.has(name)) throw new L2vlanError(`fake: ${name} exists`);
      linkMap.set(name, { name, kind: "bridge", mtu: 1500, linkElsewhere: false, up: false });
      return Promise.resolve();
    },
    addVlan(parent, name, id) {
      op(`addVlan ${parent} ${name} ${id}`);
      must(parent);
      linkMap.set(name, {
        name,
        kind: "vlan",
        vlanId: id,
        link: parent,
        mtu: must(parent).mtu,
        linkElsewhere: false,
        up: false,
      });
      return Promise.resolve();
    },
    addVeth(hostIf, ctrIf, o) {
      op(`addVeth ${hostIf} ${ctrIf} mtu=${o.mtu} mac=${o.mac}`);
      if (linkMap.has(hostIf) || linkMap.has(ctrIf)) throw new L2vlanError("fake: veth exists");
      const base = { kind: "veth", mtu: o.mtu ?? 1500, linkElsewhere: false, up: false };
      linkMap.set(hostIf, { ...base, name: hostIf, link: ctrIf });
      linkMap.set(ctrIf, { ...base, name: ctrIf, link: hostIf });
      return Promise.resolve();
    },
    setMaster(dev, master) {
      op(`setMaster ${dev} ${master ?? "nomaster"}`);
      const l = must(dev);
      if (master !== undefined) must(master);
      l.master = master;
      return Promise.resolve();
    },
    setUp(dev) {
      op(`setUp ${dev}`);
      must(dev).up = true;
      return Promise.resolve();
    },
    del(name) {
      op(`del ${name}`);
      const l = linkMap.get(name);
      if (!l) return Promise.resolve(false);
      linkMap.delete(name);
      if (l.kind === "veth" && l.link) linkMap.delete(l.link);
      for (const x of linkMap.values()) if (x.master === name) x.master = undefined;
      return Promise.resolve(true);
    },
  };
  const firewall: Firewall = {
    ensureForward(bridge) {
      op(`ensureForward ${bridge}`);
      const key = `iptables DOCKER-USER ${bridge}`;
      const inserted = !rules.has(key);
      rules.add(key);
      return Promise.resolve({ tool: "iptables", chain: "DOCKER-USER", inserted });
    },
    removeForward(bridge, rule: ForwardRule) {
      op(`removeForward ${bridge}`);
      rules.delete(`${rule.tool} ${rule.chain} ${bridge}`);
      return Promise.resolve();
    },
  };
  const at = (level: string) => (m: string, f?: Record<string, unknown>) =>
    logs.push(`${level} ${m}${f ? ` ${JSON.stringify(f)}` : ""}`);
  const log: PluginLog = {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
  };
  return {
    links,
    firewall,
    log,
    linkMap,
    rules,
    ops,
    logs,
    failNext: (p) => failing.push(p),
    dropVeth(hostIf) {
      const l = linkMap.get(hostIf);
      linkMap.delete(hostIf);
      if (l?.link) linkMap.delete(l.link);
    },
    moveToSandbox(ctrIf) {
      const c = linkMap.get(ctrIf);
      if (!c) return;
      linkMap.delete(ctrIf);
      const h = c.link ? linkMap.get(c.link) : undefined;
      if (h) {
        h.link = undefined;
        h.linkElsewhere = true;
      }
    },
  };
}
