/**
 * l2vlan as a legacy (v1) plugin — `reactor plugin l2vlan` on the daemon's plugin socket —
 * against a real private dockerd in its own network namespace, where a veth stands in for the
 * NIC and another namespace plays the external router (see `netns_dockerd.ts`). Without 802.1Q
 * in the kernel the networks use the untagged mode (vlan_id=0); with it, VLAN 2000.
 */
import assert from "node:assert/strict";
import { exec } from "../../lib/exec/run.ts";
import {
  bridgePorts,
  containerNet,
  ipv4Of,
  linkNames,
  readState,
  rulesFor,
  startV1Plugin,
  type V1Plugin,
} from "./l2vlan_helpers.ts";
import { SEGMENT, startNetnsDockerd } from "./netns_dockerd.ts";

const P = SEGMENT.prefix;
const BRIDGE = "l2t0";

Deno.test("l2vlan v1 plugin on a private dockerd: shared subnet and gateway, L2 data path, errors, crash recovery, no leftovers", async (t) => {
  const d = await startNetnsDockerd();
  const stateDir = `${d.dir}/l2vlan-state`;
  const V = String(d.vlanId);
  let plugin: V1Plugin | undefined;
  const configOnly = (name: string, range: string, driver = "l2vlan") =>
    d.docker(
      "network",
      "create",
      "--config-only",
      "--ipam-driver",
      driver,
      "--subnet",
      `${P}.0/24`,
      "--gateway",
      SEGMENT.gateway,
      "--ip-range",
      range,
      "-o",
      `vlan_id=${V}`,
      "-o",
      "ext_if=eno1",
      "-o",
      `bridge_name=${BRIDGE}`,
      name,
    );
  const rawCall = async (sock: string, method: string, body: string) => {
    const r = await exec([
      "curl",
      "-s",
      "-w",
      "\n%{http_code}",
      "--unix-socket",
      `${d.pluginDir}/${sock}.sock`,
      "-X",
      "POST",
      "--data-binary",
      body,
      `http://x/${method}`,
    ], { timeoutMs: 30_000 });
    const [json, status] = [
      r.stdout.slice(0, r.stdout.lastIndexOf("\n")),
      r.stdout.split("\n").at(-1),
    ];
    return { status: Number(status), json: JSON.parse(json || "{}") };
  };
  try {
    plugin = await startV1Plugin(d, { stateDir });

    await t.step(
      "baseline: stock macvlan refuses a second network on the same subnet and gateway",
      async () => {
        const mv = (name: string, range: string) =>
          d.dockerRaw(
            "network",
            "create",
            "-d",
            "macvlan",
            "--subnet",
            `${P}.0/24`,
            "--gateway",
            SEGMENT.gateway,
            "--ip-range",
            range,
            "-o",
            d.vlanOk ? "parent=eno1.2000" : "parent=eno1",
            name,
          );
        assert.equal((await mv("mv1", `${P}.2/32`)).code, 0);
        const second = await mv("mv2", `${P}.3/32`);
        assert.notEqual(second.code, 0);
        assert.match(
          second.stderr,
          new RegExp(
            `failed to allocate gateway \\(${
              P.replaceAll(".", "\\.")
            }\\.1\\): Address already in use`,
          ),
        );
        await d.docker("network", "rm", "mv1");
      },
    );

    await t.step(
      "two --config-from networks share subnet, gateway and bridge; containers talk at L2",
      async () => {
        for (const i of [1, 2]) {
          await configOnly(`c${i}conf`, `${P}.${i + 1}/32`);
          await d.docker(
            "network",
            "create",
            "-d",
            "l2vlan",
            "--config-from",
            `c${i}conf`,
            `n${i}`,
          );
          await d.docker(
            "run",
            "-d",
            "--name",
            `c${i}`,
            "--network",
            `n${i}`,
            "bb:latest",
            "sleep",
            "600",
          );
        }
        for (const i of [1, 2]) {
          const n = await containerNet(d, `c${i}`);
          assert.equal(n.address, `${P}.${i + 1}/24`);
          assert.equal(n.mac, `02:42:0a:fb:01:0${i + 1}`);
          assert.equal(n.defaultVia, SEGMENT.gateway);
          assert.deepEqual(n.links, ["lo", "eth0"]);
        }
        const ports = await bridgePorts(d, BRIDGE);
        assert.equal(ports.filter((p) => p.startsWith("l2vh")).length, 2, ports.join(" "));
        const port = d.vlanOk ? `eno1.${SEGMENT.vlan}` : "eno1";
        assert.ok(ports.includes(port), ports.join(" "));
        if (d.vlanOk) {
          const info = await d.inNs("ip", "-d", "link", "show", "dev", port);
          assert.match(info.stdout, /vlan protocol 802\.1Q id 2000/);
        }
        assert.deepEqual(await ipv4Of(d, BRIDGE), [], "the gateway address is never on the bridge");
        await d.docker("exec", "c1", "ping", "-c1", "-W5", `${P}.3`);
        await d.docker("exec", "c2", "ping", "-c1", "-W5", `${P}.2`);
        await d.docker("exec", "c1", "ping", "-c1", "-W5", SEGMENT.gateway);
        const neigh = await d.inRtr("ip", "neigh", "show");
        assert.match(neigh.stdout, /02:42:0a:fb:01:02/);
        assert.deepEqual(await rulesFor(d, BRIDGE), [
          `-A DOCKER-USER -i ${BRIDGE} -o ${BRIDGE} -j ACCEPT`,
        ]);
        const caps = await rawCall("l2vlan", "NetworkDriver.GetCapabilities", "");
        assert.deepEqual(caps, {
          status: 200,
          json: { Scope: "local", ConnectivityScope: "global" },
        });
      },
    );

    await t.step(
      "bad requests get a clear Err through docker; the plugin keeps serving",
      async () => {
        const create = (name: string, ...o: string[]) =>
          d.dockerRaw(
            "network",
            "create",
            "-d",
            "l2vlan",
            "--ipam-driver",
            "l2vlan",
            "--subnet",
            `${P}.0/24`,
            "--gateway",
            SEGMENT.gateway,
            ...o.flatMap((x) => ["-o", x]),
            name,
          );
        const vlan = await create("bad1", "vlan_id=5000", "ext_if=eno1", "bridge_name=l2bad");
        assert.match(
          vlan.stderr,
          /NetworkDriver\.CreateNetwork: Invalid -o vlan_id=5000: use 1\.\.4094/,
        );
        const nic = await create("bad2", `vlan_id=${V}`, "ext_if=nosuch0", "bridge_name=l2bad");
        assert.match(nic.stderr, /ext_if nosuch0 does not exist on this node/);
        assert.ok(!(await linkNames(d)).includes("l2bad"), "a failed create leaves no bridge");
        const gw = await d.dockerRaw(
          "run",
          "--rm",
          "--network",
          "n1",
          "--ip",
          SEGMENT.gateway,
          "bb:latest",
          "true",
        );
        assert.match(gw.stderr, /IpamDriver\.RequestAddress: Address 10\.251\.1\.1 is the gateway/);
        const full = await d.dockerRaw("run", "--rm", "--network", "n1", "bb:latest", "true");
        assert.match(
          full.stderr,
          /IpamDriver\.RequestAddress: No free address in 10\.251\.1\.2\/32/,
        );
        const state = await readState(`${stateDir}/state.json`);
        const poolId = Object.keys(state.ipam.pools).find((p) => p.endsWith(`/${P}.2/32`))!;
        const outside = await rawCall(
          "l2vlan",
          "IpamDriver.RequestAddress",
          JSON.stringify({ PoolID: poolId, Address: "10.9.9.9", Options: {} }),
        );
        assert.equal(outside.status, 500);
        assert.match(outside.json.Err, /Address 10\.9\.9\.9 is outside subnet 10\.251\.1\.0\/24/);
        const unknownNet = await rawCall(
          "l2vlan",
          "NetworkDriver.CreateEndpoint",
          JSON.stringify({ NetworkID: "nosuchnet", EndpointID: "e".repeat(64), Interface: {} }),
        );
        assert.equal(unknownNet.status, 500);
        assert.match(unknownNet.json.Err, /Network nosuchnet is not known to l2vlan/);
        const malformed = await rawCall("l2vlan", "IpamDriver.RequestPool", "{");
        assert.equal(malformed.status, 400);
        assert.match(malformed.json.Err, /malformed JSON/);
        assert.equal(malformed.json.Error, malformed.json.Err);
        // still serving
        await configOnly("c5conf", `${P}.16/29`);
        await d.docker("network", "create", "-d", "l2vlan", "--config-from", "c5conf", "n5");
        await d.docker("run", "-d", "--name", "c5", "--network", "n5", "bb:latest", "sleep", "600");
        assert.equal((await containerNet(d, "c5")).address, `${P}.16/24`);
      },
    );

    await t.step(
      "a network whose plugin state was lost fails with an Err that says what to do",
      async () => {
        const other = await startV1Plugin(d, { name: "l2vlanx", stateDir: `${d.dir}/x-state` });
        await d.docker(
          "network",
          "create",
          "-d",
          "l2vlanx",
          "--ipam-driver",
          "l2vlanx",
          "--subnet",
          "10.251.9.0/24",
          "-o",
          "bridge_name=l2x",
          "nx",
        );
        other.child.kill("SIGKILL");
        await other.child.status;
        await Deno.remove(`${d.dir}/x-state`, { recursive: true });
        const again = await startV1Plugin(d, { name: "l2vlanx", stateDir: `${d.dir}/x-state` });
        const r = await d.dockerRaw("run", "--rm", "--network", "nx", "bb:latest", "true");
        assert.match(r.stderr, /Unknown l2vlan pool .*remove and recreate the network/);
        await d.docker("network", "rm", "nx");
        await again.child.stop(10_000);
      },
    );

    await t.step(
      "killed and restarted, the plugin rebuilds from its state: no duplicate address",
      async () => {
        plugin!.child.kill("SIGKILL");
        await plugin!.child.status;
        plugin = await startV1Plugin(d, { stateDir });
        await configOnly("c3conf", `${P}.0/30`);
        await d.docker("network", "create", "-d", "l2vlan", "--config-from", "c3conf", "n3");
        const dup = await d.dockerRaw(
          "run",
          "-d",
          "--name",
          "c3",
          "--network",
          "n3",
          "bb:latest",
          "sleep",
          "600",
        );
        assert.match(
          dup.stderr,
          /No free address in 10\.251\.1\.0\/30/,
          ".2 and .3 are still in use",
        );
        await d.dockerRaw("rm", "-f", "c3");
        const before = await readState(`${stateDir}/state.json`);
        const c1If = Object.values(before.endpoints).find((e) => e.address === `${P}.2/24`)!.hostIf;
        assert.ok((await linkNames(d)).includes(c1If));
        await d.docker("rm", "-f", "c1");
        assert.ok(
          !(await linkNames(d)).includes(c1If),
          "DeleteEndpoint after the restart removed it",
        );
        await d.docker("run", "-d", "--name", "c3", "--network", "n3", "bb:latest", "sleep", "600");
        assert.equal((await containerNet(d, "c3")).address, `${P}.2/24`, "c1's address, released");
        await d.docker("exec", "c3", "ping", "-c1", "-W5", `${P}.3`);
      },
    );

    await t.step(
      "removing containers and networks leaves no veth, bridge, rule or state",
      async () => {
        for (const c of ["c2", "c3", "c5"]) await d.docker("rm", "-f", c);
        for (const n of ["n1", "n2", "n3", "n5"]) await d.docker("network", "rm", n);
        for (const n of ["c1conf", "c2conf", "c3conf", "c5conf"]) {
          await d.docker("network", "rm", n);
        }
        const links = await linkNames(d);
        assert.deepEqual(links.filter((l) => l.startsWith("l2v") || l === BRIDGE), []);
        assert.ok(links.includes("eno1"));
        if (d.vlanOk) assert.ok(!links.includes(`eno1.${SEGMENT.vlan}`));
        assert.deepEqual(await rulesFor(d, BRIDGE), []);
        const s = await readState(`${stateDir}/state.json`);
        assert.deepEqual(
          [s.networks, s.bridges, s.endpoints, s.ipam.pools, s.ipam.allocations],
          [{}, {}, {}, {}, {}],
        );
      },
    );
  } finally {
    await plugin?.child.stop(10_000);
    await d.close();
  }
});
