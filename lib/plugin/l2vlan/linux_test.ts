import assert from "node:assert/strict";
import { CommandError } from "../../errors.ts";
import { ipArgv, IpLinks, iptablesArgv, IptablesFirewall, type PluginExec } from "./linux.ts";

Deno.test("ipArgv builds iproute2 argv for bridge, VLAN, veth, master and delete", () => {
  assert.deepEqual(ipArgv.addBridge("vlan2000"), [
    "ip",
    "link",
    "add",
    "name",
    "vlan2000",
    "type",
    "bridge",
  ]);
  assert.deepEqual(ipArgv.addVlan("eno1", "eno1.2000", 2000), [
    "ip",
    "link",
    "add",
    "link",
    "eno1",
    "name",
    "eno1.2000",
    "type",
    "vlan",
    "id",
    "2000",
  ]);
  assert.deepEqual(
    ipArgv.addVeth("l2vh887f5baf0e0", "l2vc887f5baf0e0", 1500).join(" "),
    "ip link add name l2vh887f5baf0e0 mtu 1500 type veth peer name l2vc887f5baf0e0 mtu 1500",
  );
  assert.deepEqual(ipArgv.setMaster("eno1.2000", "vlan2000").slice(-2), ["master", "vlan2000"]);
  assert.deepEqual(ipArgv.setMaster("eno1", undefined).slice(-1), ["nomaster"]);
  assert.deepEqual(ipArgv.setAddress("x", "02:42:c0:a8:01:02").slice(-2), [
    "address",
    "02:42:c0:a8:01:02",
  ]);
  assert.deepEqual(ipArgv.show("eno1"), ["ip", "-j", "-d", "link", "show", "dev", "eno1"]);
  assert.deepEqual(ipArgv.del("vlan2000"), ["ip", "link", "del", "dev", "vlan2000"]);
  assert.throws(() => ipArgv.addVlan("eno1", "eno1.5000", 5000), /Invalid VLAN id 5000/);
  assert.throws(() => ipArgv.del("-x"), TypeError);
  assert.throws(() => ipArgv.del("a b"), TypeError);
  assert.throws(() => ipArgv.setAddress("x", "nope"), /Invalid MAC/);
});

Deno.test("iptablesArgv builds the check/insert/delete of the per-bridge ACCEPT rule", () => {
  assert.deepEqual(iptablesArgv.rule("iptables-nft", "-I", "DOCKER-USER", "vlan2000"), [
    "iptables-nft",
    "-w",
    "-I",
    "DOCKER-USER",
    "-i",
    "vlan2000",
    "-o",
    "vlan2000",
    "-j",
    "ACCEPT",
  ]);
  assert.deepEqual(iptablesArgv.chainExists("iptables", "DOCKER-USER"), [
    "iptables",
    "-w",
    "-S",
    "DOCKER-USER",
  ]);
});

/** A fake exec: `answer(argv)` returns [code, stdout, stderr]. Records every argv. */
function fakeExec(answer: (argv: readonly string[]) => [number, string, string?]) {
  const calls: string[] = [];
  const exec: PluginExec = (argv, o = {}) => {
    calls.push(argv.join(" "));
    const [code, stdout, stderr = ""] = answer(argv);
    if (!(o.okCodes ?? [0]).includes(code)) {
      return Promise.reject(new CommandError({ argv, code, stdout, stderr, reason: "exit" }));
    }
    return Promise.resolve({ argv, code, stdout, stderr, durationMs: 1 });
  };
  return { exec, calls };
}

Deno.test("IpLinks.get() parses ip -j -d output; a missing device is undefined", async () => {
  const vlan = JSON.stringify([{
    ifname: "eno1.2000",
    link: "eno1",
    flags: ["BROADCAST", "UP"],
    mtu: 1500,
    master: "vlan2000",
    linkinfo: { info_kind: "vlan", info_data: { protocol: "802.1Q", id: 2000 } },
  }]);
  const veth = JSON.stringify([{
    ifname: "l2vh1",
    link_index: 9,
    link_netnsid: 0,
    mtu: 1500,
    flags: [],
    linkinfo: { info_kind: "veth" },
  }]);
  const { exec } = fakeExec((argv) => {
    if (argv.at(-1) === "eno1.2000") return [0, vlan];
    if (argv.at(-1) === "l2vh1") return [0, veth];
    return [1, "", `Device "${argv.at(-1)}" does not exist.`];
  });
  const links = new IpLinks(exec);
  assert.deepEqual(await links.get("eno1.2000"), {
    name: "eno1.2000",
    kind: "vlan",
    master: "vlan2000",
    mtu: 1500,
    link: "eno1",
    linkElsewhere: false,
    vlanId: 2000,
    up: true,
  });
  const v = await links.get("l2vh1");
  assert.deepEqual([v?.linkElsewhere, v?.link, v?.up], [true, undefined, false]);
  assert.equal(await links.get("nosuch0"), undefined);
});

Deno.test("IpLinks errors are one line with the kernel's reason and a fix", async () => {
  const { exec } = fakeExec(() => [2, "", "Error: Unknown device type.\n"]);
  const links = new IpLinks(exec);
  await assert.rejects(
    () => links.addVlan("eno1", "eno1.2000", 2000),
    /^L2vlanError: Cannot create VLAN interface eno1\.2000 \(id 2000\) on eno1: Error: Unknown device type\. — this kernel needs 802\.1Q support/,
  );
  assert.equal(
    await new IpLinks(fakeExec(() => [1, "", 'Cannot find device "x"']).exec).del("x"),
    false,
  );
});

Deno.test("IptablesFirewall auto-detects the backend that has DOCKER-USER and inserts once", async () => {
  const rules = new Set<string>();
  const { exec, calls } = fakeExec((argv) => {
    const [tool, , op, chain] = argv;
    if (op === "-S") return [tool === "iptables-legacy" && chain === "DOCKER-USER" ? 0 : 1, ""];
    const key = argv.slice(3).join(" ");
    if (op === "-C") return [rules.has(`${tool} ${key}`) ? 0 : 1, ""];
    if (op === "-I") rules.add(`${tool} ${key}`);
    if (op === "-D") return [rules.delete(`${tool} ${key}`) ? 0 : 1, ""];
    return [0, ""];
  });
  const fw = new IptablesFirewall(exec);
  assert.deepEqual(await fw.ensureForward("vlan2000"), {
    tool: "iptables-legacy",
    chain: "DOCKER-USER",
    inserted: true,
  });
  assert.equal((await fw.ensureForward("vlan2000")).inserted, false);
  assert.ok(calls.includes("iptables-legacy -w -I DOCKER-USER -i vlan2000 -o vlan2000 -j ACCEPT"));
  await fw.removeForward("vlan2000", { tool: "iptables-legacy", chain: "DOCKER-USER" });
  assert.equal(rules.size, 0);
  const none = new IptablesFirewall(
    fakeExec((argv) => [argv[2] === "-C" || argv[2] === "-S" ? 1 : 0, ""]).exec,
  );
  assert.deepEqual(await none.target(), { tool: "iptables", chain: "FORWARD" });
});
