/**
 * Start-up reconciliation of the persisted state with the kernel (the plugin was restarted with
 * empty memory: by dockerd after a crash, by systemd, or after a host reboot).
 *
 * @module
 */
import { errorMessage } from "../../errors.ts";
import { ensureBridge, type Kernel, teardownBridge } from "./network.ts";
import { CTR_VETH_PREFIX, HOST_VETH_PREFIX } from "./options.ts";
import type { L2vlanState } from "./state.ts";

/**
 * 1. Every bridge a known network uses gets its bridge, port and forward rule back (a failure is
 *    logged; the network's next CreateEndpoint tries again and reports it to the user).
 * 2. Bridge records no network uses any more are torn down.
 * 3. Endpoints whose host veth is gone are reported; their addresses become reclaimable.
 * 4. With a trusted state, `l2vh*` veths nobody knows whose peer is still in this namespace
 *    (never joined to a container) are deleted. A veth whose peer is inside a container is never
 *    touched.
 */
export async function recoverState(
  s: L2vlanState,
  k: Kernel,
  opts: { trusted: boolean },
): Promise<void> {
  const wanted = new Map<string, boolean>();
  for (const net of Object.values(s.networks)) {
    wanted.set(net.bridge, (wanted.get(net.bridge) ?? false) || net.iptables !== false);
  }
  for (const [bridge, iptables] of wanted) {
    try {
      await ensureBridge(s, { bridge, iptables }, k);
    } catch (err) {
      k.log.error("l2vlan cannot restore bridge", { bridge, error: errorMessage(err) });
    }
  }
  for (const bridge of Object.keys(s.bridges)) {
    if (wanted.has(bridge)) continue;
    await teardownBridge(s, bridge, k).catch((err) =>
      k.log.warn("l2vlan cannot tear down unused bridge", { bridge, error: errorMessage(err) })
    );
  }
  const links = await k.links.list();
  const names = new Set(links.map((l) => l.name));
  const known = new Set(Object.values(s.endpoints).map((e) => e.hostIf));
  const gone = Object.entries(s.endpoints).filter(([, e]) => !names.has(e.hostIf));
  if (gone.length > 0) {
    k.log.warn("l2vlan endpoints without veth (their containers are gone)", {
      endpoints: gone.map(([id]) => id.slice(0, 12)),
    });
  }
  if (!opts.trusted) return;
  for (const l of links) {
    if (!l.name.startsWith(HOST_VETH_PREFIX) || known.has(l.name)) continue;
    if (l.linkElsewhere || !l.link?.startsWith(CTR_VETH_PREFIX)) continue;
    await k.links.del(l.name);
    k.log.info("l2vlan deleted an orphan veth pair", { hostIf: l.name, ctrIf: l.link });
  }
  k.log.info("l2vlan state recovered", {
    networks: Object.keys(s.networks).length,
    endpoints: Object.keys(s.endpoints).length,
  });
}
