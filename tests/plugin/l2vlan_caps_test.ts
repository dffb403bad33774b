/**
 * The capability set of the v1 unit, tried for real: `reactor plugin l2vlan` runs under
 * `setpriv` with exactly the unit's bounding set, in a scratch network namespace, and goes
 * through a network + endpoint lifecycle (bridge, untagged port, veth, iptables rule). Without
 * CAP_NET_ADMIN the same request fails with the kernel's EPERM in the Err.
 */
import assert from "node:assert/strict";
import { exec } from "../../lib/exec/run.ts";
import { spawnChild } from "../../lib/exec/spawn.ts";
import { L2VLAN_CAPABILITIES } from "../../lib/systemd/unit.ts";

const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const ALL = Array.from({ length: 256 }, (_, i) => i);
const EP = "887f5baf0e0ec8db54ae4a7b5a64d414427cea81352daba27d18c1f95a2d6e1a";

async function withPlugin(
  ns: string,
  dir: string,
  caps: string,
  iptables: string,
  fn: (
    call: (
      method: string,
      body: unknown,
    ) => Promise<{ status: number; json: Record<string, string> }>,
  ) => Promise<void>,
): Promise<void> {
  const socket = `${dir}/p.sock`;
  const lines: string[] = [];
  let up!: () => void;
  const listening = new Promise<void>((r) => up = r);
  const child = spawnChild([
    "nsenter",
    `--net=/run/netns/${ns}`,
    "setpriv",
    `--bounding-set=${caps}`,
    "--inh-caps=-all",
    "--",
    Deno.execPath(),
    "run",
    "-A",
    `--config=${ROOT}/deno.json`,
    `${ROOT}/main.ts`,
    "plugin",
    "l2vlan",
    "--iptables",
    iptables,
    "--socket",
    socket,
    "--state-dir",
    `${dir}/state-${iptables}-${caps.length}`,
  ], {
    onLine: (_s, l) => {
      lines.push(l);
      if (l.includes("l2vlan plugin listening")) up();
    },
  });
  try {
    const exited = await Promise.race([listening.then(() => false), child.status.then(() => true)]);
    assert.ok(!exited, lines.join("\n"));
    await fn(async (method, body) => {
      const r = await exec([
        "curl",
        "-s",
        "-w",
        "\n%{http_code}",
        "--unix-socket",
        socket,
        "-X",
        "POST",
        "--data-binary",
        JSON.stringify(body),
        `http://x/${method}`,
      ], { timeoutMs: 30_000 });
      const i = r.stdout.lastIndexOf("\n");
      return { status: Number(r.stdout.slice(i + 1)), json: JSON.parse(r.stdout.slice(0, i)) };
    });
  } finally {
    await child.stop(10_000);
  }
}

const NET = {
  NetworkID: "n1",
  Options: { "com.docker.network.generic": { bridge_name: "l2c0", ext_if: "eno1", vlan_id: "0" } },
  IPv4Data: [{ AddressSpace: "l2vlan_local", Gateway: "10.251.1.1/24", Pool: "10.251.1.0/24" }],
};

Deno.test("the v1 unit's capability set is enough; without CAP_NET_ADMIN nothing works", async () => {
  const ns = `l2c${crypto.randomUUID().slice(0, 8)}`;
  const dir = await Deno.makeTempDir({ prefix: "l2vlan-caps-" });
  const inNs = (...argv: string[]) =>
    exec(["nsenter", `--net=/run/netns/${ns}`, ...argv], { okCodes: ALL });
  try {
    await exec(["ip", "netns", "add", ns]);
    await exec(["ip", "-n", ns, "link", "add", "eno1", "type", "veth", "peer", "name", "eno1p"]);
    const bounding = ["-all", ...L2VLAN_CAPABILITIES.map((c) => `+${c.slice(4).toLowerCase()}`)]
      .join(",");
    // iptables-legacy needs the legacy tables in this kernel; nft is what current distros use
    const modes = ["iptables-nft"];
    if ((await inNs("iptables-legacy", "-w", "-S", "FORWARD")).code === 0) {
      modes.push("iptables-legacy");
    }
    for (const mode of modes) {
      await withPlugin(ns, dir, bounding, mode, async (call) => {
        assert.deepEqual(await call("NetworkDriver.CreateNetwork", NET), { status: 200, json: {} });
        const ep = await call("NetworkDriver.CreateEndpoint", {
          NetworkID: "n1",
          EndpointID: EP,
          Interface: { Address: "10.251.1.2/24" },
        });
        assert.equal(ep.status, 200, JSON.stringify(ep.json));
        assert.match(
          (await inNs(mode, "-w", "-S", "FORWARD")).stdout,
          /-A FORWARD -i l2c0 -o l2c0 -j ACCEPT/,
        );
        assert.match(
          (await inNs("ip", "-o", "link", "show", "master", "l2c0")).stdout,
          /l2vh887f5baf0e0/,
        );
        await call("NetworkDriver.DeleteEndpoint", { NetworkID: "n1", EndpointID: EP });
        await call("NetworkDriver.DeleteNetwork", { NetworkID: "n1" });
        assert.doesNotMatch((await inNs(mode, "-w", "-S", "FORWARD")).stdout, /l2c0/);
        assert.doesNotMatch((await inNs("ip", "-o", "link")).stdout, /l2c0|l2vh/);
      });
    }
    await withPlugin(ns, dir, "-all,+net_raw", "iptables-nft", async (call) => {
      const r = await call("NetworkDriver.CreateNetwork", NET);
      assert.equal(r.status, 500);
      assert.match(
        r.json.Err!,
        /Cannot create bridge l2c0: RTNETLINK answers: Operation not permitted/,
      );
    });
  } finally {
    await exec(["ip", "netns", "del", ns], { okCodes: ALL });
    await Deno.remove(dir, { recursive: true });
  }
});
