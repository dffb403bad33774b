/**
 * `reactor hosts [--json]`: every configured Docker host with its type, endpoint, state, API and
 * engine version and the age of the last event reactor recorded. Exits 1 when an enabled host
 * cannot be reached.
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "commander";
import { formatHostsTable, probeHosts } from "../hosts/probe.ts";
import type { ExitStatus } from "./exit.ts";
import { type GlobalFlags, resolveGlobals } from "./globals.ts";
import { configOption, insecureConfigOption } from "../config/flags.ts";
import { loadCliConfig } from "./config.ts";

/** `reactor hosts`. */
export function hostsCommand(status: ExitStatus): CommandUnknownOpts {
  const cmd = new Command("hosts")
    .description("list Docker hosts: id, type, endpoint, state, versions, last event age")
    .option("--json", "print a JSON array")
    .option("--timeout <seconds>", "per-host probe timeout (default 10)")
    .addOption(configOption())
    .addOption(insecureConfigOption());
  cmd.action(async (opts, c) => {
    const g = resolveGlobals(c.optsWithGlobals() as GlobalFlags);
    const timeout = opts.timeout === undefined ? 10 : Number(opts.timeout);
    const cfg = await loadCliConfig(g, opts);
    cfg.close();
    const reports = await probeHosts(cfg.hosts, {
      log: g.log,
      stateDir: g.stateDir,
      timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout * 1000 : 10_000,
    });
    const text = opts.json ? JSON.stringify(reports, null, 2) : formatHostsTable(reports);
    // deno-lint-ignore no-console
    console.log(text);
    status.code = reports.some((r) => r.state === "down") ? 1 : 0;
  });
  return cmd;
}
