import assert from "node:assert/strict";
import { parseEntryArgs } from "./entry.ts";
import { formatPlain, plainLog } from "./plain_log.ts";

const env = (vars: Record<string, string>) => ({ get: (k: string) => vars[k] });

Deno.test("parseEntryArgs() reads flags, falls back to the environment, then to defaults", () => {
  assert.deepEqual(parseEntryArgs([], env({})), {
    socket: "/run/docker/plugins/l2vlan.sock",
    stateDir: "/var/lib/l2vlan",
    logLevel: "info",
    iptables: "auto",
    reclaimUnboundMs: undefined,
  });
  const s = parseEntryArgs(
    [
      "--socket",
      "/run/docker/plugins/l2vlan.sock",
      "--state-dir=/x",
      "--reclaim-unbound-after",
      "60",
    ],
    env({ L2VLAN_LOG_LEVEL: "DEBUG", L2VLAN_IPTABLES: "iptables-legacy", L2VLAN_STATE_DIR: "/y" }),
  );
  assert.deepEqual(
    [s.stateDir, s.logLevel, s.iptables, s.reclaimUnboundMs],
    ["/x", "debug", "iptables-legacy", 60_000],
  );
  assert.throws(() => parseEntryArgs(["--bogus"], env({})), /Unknown argument "--bogus"/);
  assert.throws(() => parseEntryArgs(["--socket"], env({})), /Missing value for --socket/);
  assert.throws(
    () => parseEntryArgs([], env({ L2VLAN_IPTABLES: "nft" })),
    /Invalid --iptables nft/,
  );
  assert.throws(() => parseEntryArgs(["--log-level", "loud"], env({})), /Invalid --log-level/);
});

Deno.test("plainLog() filters by level and writes reactor's text format", () => {
  const lines: string[] = [];
  const log = plainLog("info", (l) => lines.push(l));
  log.debug("hidden");
  log.warn("l2vlan call failed", { method: "X", error: "a b" });
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^\S+Z WARN {2}l2vlan call failed method=X error="a b"\n$/);
  assert.equal(
    formatPlain("info", "m", {}, new Date(0)),
    "1970-01-01T00:00:00.000Z INFO  m\n",
  );
});
