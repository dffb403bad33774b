import assert from "node:assert/strict";
import { exec } from "../exec/run.ts";
import { pluginArgsFor } from "./install.ts";
import { l2vlanStateDir } from "./plugin.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const reactor = (...args: string[]) =>
  exec([Deno.execPath(), "run", "-A", MAIN, ...args], { timeoutMs: 60_000, okCodes: [0, 1, 2] });

Deno.test("l2vlanStateDir() prefers --state-dir, then L2VLAN_STATE_DIR, then /var/lib/l2vlan", () => {
  const env = (v: Record<string, string>) => ({ get: (k: string) => v[k] });
  assert.equal(l2vlanStateDir({ stateDir: "/x" }, env({ L2VLAN_STATE_DIR: "/y" })), "/x");
  assert.equal(l2vlanStateDir({}, env({ L2VLAN_STATE_DIR: "/y" })), "/y");
  assert.equal(l2vlanStateDir({}, env({})), "/var/lib/l2vlan");
});

Deno.test("pluginArgsFor() passes log flags and the socket", () => {
  assert.deepEqual(pluginArgsFor({}), ["--socket=/run/docker/plugins/l2vlan.sock"]);
  assert.deepEqual(pluginArgsFor({ logLevel: "debug", socket: "/s.sock" }, ["--iptables=auto"]), [
    "--log-level=debug",
    "--socket=/s.sock",
    "--iptables=auto",
  ]);
});

Deno.test("`reactor install --plugin l2vlan` writes reactor-l2vlan.service; uninstall removes it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "l2vlan-install-" });
  try {
    const r = await reactor(
      "install",
      "--plugin",
      "l2vlan",
      "--unit-dir",
      dir,
      "--state-dir",
      `${dir}/state`,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Wrote .*reactor-l2vlan\.service/);
    const unit = await Deno.readTextFile(`${dir}/reactor-l2vlan.service`);
    assert.match(
      unit,
      /^ExecStart=.* plugin l2vlan --state-dir=.*\/state --socket=\/run\/docker\/plugins\/l2vlan\.sock$/m,
    );
    assert.match(unit, /^CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW$/m);
    const bad = await reactor("install", "--plugin", "nope", "--unit-dir", dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Unknown --plugin "nope": use l2vlan/);
    const u = await reactor("uninstall", "--plugin", "l2vlan", "--unit-dir", dir);
    assert.equal(u.code, 0, u.stderr);
    await assert.rejects(() => Deno.stat(`${dir}/reactor-l2vlan.service`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("`reactor plugin l2vlan` refuses a bad --iptables with exit code 2", async () => {
  const r = await reactor(
    "plugin",
    "l2vlan",
    "--iptables",
    "nft",
    "--socket",
    "/nonexistent/x.sock",
  );
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Invalid --iptables "nft"/);
});
