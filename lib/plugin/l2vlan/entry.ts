/**
 * Stand-alone entry point of the l2vlan plugin, used as the managed (v2) plugin's entrypoint:
 * no npm imports, so `deno run` needs nothing but the sources in the plugin rootfs (and
 * `deno compile` of this file gives a single binary that drops in instead).
 *
 * Flags (environment fallback): `--socket` (`L2VLAN_SOCKET`), `--state-dir`
 * (`L2VLAN_STATE_DIR`), `--log-level` debug|info|warn|error (`L2VLAN_LOG_LEVEL`), `--iptables`
 * auto|iptables|iptables-nft|iptables-legacy (`L2VLAN_IPTABLES`), `--reclaim-unbound-after`
 * seconds (`L2VLAN_RECLAIM_UNBOUND_AFTER`).
 *
 * @module
 */
import { errorMessage } from "../../errors.ts";
import { installShutdownSignals } from "../../cli/signals.ts";
import type { IptablesMode } from "./linux.ts";
import { PLAIN_LEVELS, type PlainLevel, plainLog } from "./plain_log.ts";
import { DEFAULT_L2VLAN_SOCKET, DEFAULT_L2VLAN_STATE_DIR, serveL2vlan } from "./serve.ts";

/** Parsed entry-point settings. */
export interface EntrySettings {
  socket: string;
  stateDir: string;
  logLevel: PlainLevel;
  iptables: IptablesMode;
  reclaimUnboundMs?: number;
}

const IPTABLES_MODES = ["auto", "iptables", "iptables-nft", "iptables-legacy"];

/** Parse argv (`--flag value` or `--flag=value`) with environment fallbacks. Throws on errors. */
export function parseEntryArgs(
  args: readonly string[],
  env: { get(k: string): string | undefined } = Deno.env,
): EntrySettings {
  const flags = new Map<string, string>();
  const known = ["socket", "state-dir", "log-level", "iptables", "reclaim-unbound-after"];
  for (let i = 0; i < args.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(args[i]!);
    if (!m || !known.includes(m[1]!)) {
      throw new Error(`Unknown argument ${JSON.stringify(args[i])}: use --${known.join(", --")}`);
    }
    const v = m[2] ?? args[++i];
    if (v === undefined) throw new Error(`Missing value for --${m[1]}`);
    flags.set(m[1]!, v);
  }
  const get = (flag: string, envName: string) => flags.get(flag) ?? env.get(envName);
  const logLevel = (get("log-level", "L2VLAN_LOG_LEVEL") ?? "info").toLowerCase();
  if (!(PLAIN_LEVELS as readonly string[]).includes(logLevel)) {
    throw new Error(`Invalid --log-level ${logLevel}: use ${PLAIN_LEVELS.join(", ")}`);
  }
  const iptables = get("iptables", "L2VLAN_IPTABLES") ?? "auto";
  if (!IPTABLES_MODES.includes(iptables)) {
    throw new Error(`Invalid --iptables ${iptables}: use ${IPTABLES_MODES.join(", ")}`);
  }
  const reclaim = get("reclaim-unbound-after", "L2VLAN_RECLAIM_UNBOUND_AFTER");
  if (reclaim !== undefined && !/^\d+$/.test(reclaim)) {
    throw new Error(`Invalid --reclaim-unbound-after ${reclaim}: use a number of seconds`);
  }
  return {
    socket: get("socket", "L2VLAN_SOCKET") ?? DEFAULT_L2VLAN_SOCKET,
    stateDir: get("state-dir", "L2VLAN_STATE_DIR") ?? DEFAULT_L2VLAN_STATE_DIR,
    logLevel: logLevel as PlainLevel,
    iptables: iptables as IptablesMode,
    reclaimUnboundMs: reclaim === undefined ? undefined : Number(reclaim) * 1000,
  };
}

async function main(): Promise<void> {
  let log = plainLog("info");
  try {
    const s = parseEntryArgs(Deno.args);
    log = plainLog(s.logLevel);
    // PID 1 of the plugin's pid namespace: without handlers SIGTERM would be ignored.
    const signals = installShutdownSignals();
    try {
      await serveL2vlan({ ...s, log, signal: signals.stop.signal });
    } finally {
      signals.dispose();
    }
  } catch (err) {
    log.error(`l2vlan plugin failed: ${errorMessage(err)}`);
    Deno.exitCode = 1;
  }
}

if (import.meta.main) await main();
