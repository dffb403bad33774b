import assert from "node:assert/strict";
import { exec } from "../exec/run.ts";
import { L2VLAN_CAPABILITIES, renderL2vlanUnit } from "./unit.ts";

Deno.test("renderL2vlanUnit() runs before docker with only CAP_NET_ADMIN and CAP_NET_RAW", async () => {
  const u = renderL2vlanUnit({
    execStart: ["/usr/local/bin/reactor", "plugin", "l2vlan", "--state-dir=/var/lib/l2vlan"],
    stateDir: "/var/lib/l2vlan",
  });
  assert.match(u, /^Before=docker\.service$/m);
  assert.ok(!/^After=.*docker/m.test(u), "must not wait for dockerd");
  assert.match(u, /^CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW$/m);
  assert.deepEqual([...L2VLAN_CAPABILITIES], ["CAP_NET_ADMIN", "CAP_NET_RAW"]);
  assert.match(u, /^StateDirectory=l2vlan$/m);
  assert.ok(!/PrivateNetwork|MemoryDenyWriteExecute/.test(u), "host netns; V8 needs W+X");
  assert.match(
    u,
    /^ExecStart=\/usr\/local\/bin\/reactor plugin l2vlan --state-dir=\/var\/lib\/l2vlan$/m,
  );
  const dir = await Deno.makeTempDir({ prefix: "l2vlan-unit-" });
  try {
    await Deno.writeTextFile(
      `${dir}/reactor-l2vlan.service`,
      u.replace("/usr/local/bin/reactor", "/bin/true"),
    );
    const v = await exec(["systemd-analyze", "verify", `${dir}/reactor-l2vlan.service`], {
      okCodes: [0, 1],
    });
    const ours = v.stderr.split("\n").filter((l) => l.includes("reactor-l2vlan.service"));
    assert.deepEqual(ours, [], v.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
