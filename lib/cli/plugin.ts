/**
 * `reactor plugin l2vlan` (serve the l2vlan network + IPAM driver plugin on a unix socket) and
 * `reactor plugin build` (the managed v2 plugin directory for `docker plugin create`).
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "commander";
import { UsageError } from "../errors.ts";
import { exec } from "../exec/run.ts";
import type { IptablesMode } from "../plugin/l2vlan/linux.ts";
import { DEFAULT_L2VLAN_SOCKET, DEFAULT_L2VLAN_STATE_DIR } from "../plugin/l2vlan/defaults.ts";
import type { ExitStatus } from "./exit.ts";
import { type GlobalFlags, resolveGlobals } from "./globals.ts";
import { installShutdownSignals } from "./signals.ts";

const IPTABLES_MODES = ["auto", "iptables", "iptables-nft", "iptables-legacy"];

/** Default output of `reactor plugin build`. */
export const DEFAULT_PLUGIN_OUT = "dist/l2vlan-plugin";

/** The l2vlan state dir: `--state-dir` when given, else `L2VLAN_STATE_DIR`, else the default. */
export function l2vlanStateDir(
  flags: GlobalFlags,
  env: { get(k: string): string | undefined } = Deno.env,
): string {
  return flags.stateDir ?? env.get("L2VLAN_STATE_DIR") ?? DEFAULT_L2VLAN_STATE_DIR;
}

function l2vlanCommand(status: ExitStatus): CommandUnknownOpts {
  const cmd = new Command("l2vlan")
    .description(
      "serve the l2vlan Docker NetworkDriver + IpamDriver on a unix socket (needs root)",
    )
    .option("--socket <path>", `plugin socket (default ${DEFAULT_L2VLAN_SOCKET})`)
    .option("--iptables <mode>", "auto|iptables|iptables-nft|iptables-legacy (default auto)")
    .option(
      "--reclaim-unbound-after <seconds>",
      "free addresses never bound to an endpoint after this long (default never)",
    );
  cmd.action(async (_opts, c) => {
    const all = c.optsWithGlobals() as GlobalFlags & {
      socket?: string;
      iptables?: string;
      reclaimUnboundAfter?: string;
    };
    const g = resolveGlobals(all);
    const iptables = all.iptables ?? "auto";
    if (!IPTABLES_MODES.includes(iptables)) {
      throw new UsageError(`Invalid --iptables "${iptables}": use ${IPTABLES_MODES.join(", ")}`);
    }
    let reclaimUnboundMs: number | undefined;
    if (all.reclaimUnboundAfter !== undefined) {
      const n = Number(all.reclaimUnboundAfter);
      if (!Number.isFinite(n) || n <= 0) {
        throw new UsageError(
          `Invalid --reclaim-unbound-after "${all.reclaimUnboundAfter}": use a positive number of seconds`,
        );
      }
      reclaimUnboundMs = n * 1000;
    }
    const signals = installShutdownSignals();
    try {
      // the plugin's code loads only when it is the command (the daemon never pays for it)
      const { serveL2vlan } = await import("../plugin/l2vlan/serve.ts");
      await serveL2vlan({
        socket: all.socket ?? DEFAULT_L2VLAN_SOCKET,
        stateDir: l2vlanStateDir(all),
        log: g.log,
        signal: signals.stop.signal,
        iptables: iptables as IptablesMode,
        reclaimUnboundMs,
      });
    } finally {
      signals.dispose();
    }
    status.code = 0;
  });
  return cmd;
}

function buildCommand(status: ExitStatus): CommandUnknownOpts {
  const cmd = new Command("build")
    .description(
      "build the managed (v2) l2vlan plugin directory offline, for `docker plugin create l2vlan <dir>`",
    )
    .option("--out <dir>", `output directory, replaced (default ${DEFAULT_PLUGIN_OUT})`)
    .option("--binary <file>", "ship this `deno compile` binary of the entry instead of deno");
  cmd.action(async (opts, c) => {
    resolveGlobals(c.optsWithGlobals() as GlobalFlags);
    const o = opts as { out?: string; binary?: string };
    const { buildL2vlanPlugin } = await import("../plugin/l2vlan/plugin_build.ts");
    const r = await buildL2vlanPlugin({ out: o.out ?? DEFAULT_PLUGIN_OUT, binary: o.binary, exec });
    // deno-lint-ignore no-console
    console.log(
      `Built ${r.dir} (${r.files} files). Next: docker plugin create l2vlan ${r.dir} && docker plugin enable l2vlan`,
    );
    status.code = 0;
  });
  return cmd;
}

/** `reactor plugin …`. */
export function pluginCommand(status: ExitStatus): CommandUnknownOpts {
  const cmd = new Command("plugin").description("Docker plugins served by reactor");
  cmd.addCommand(l2vlanCommand(status));
  cmd.addCommand(buildCommand(status));
  for (const c of cmd.commands) c.exitOverride();
  return cmd;
}
