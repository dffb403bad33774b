/**
 * `reactor status [--json]`: ask the running daemon (over `<state-dir>/reactor.sock`) how it is
 * doing: per host its state, API version, last event age, cursor lag, queue and hook failures in
 * the last hour, and which config files it loaded when. Exit 3 when no daemon runs (systemd's
 * convention for status), 4 when the socket cannot be read (not root).
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "commander";
import { fetchStatus } from "../status/client.ts";
import { formatStatus } from "../status/format.ts";
import type { ExitStatus } from "./exit.ts";
import { type GlobalFlags, resolveGlobals } from "./globals.ts";
import { durationFlag } from "./flag_values.ts";

/** `reactor status`. */
export function statusCommand(status: ExitStatus): CommandUnknownOpts {
  const cmd = new Command("status")
    .description(
      "ask the running daemon: hosts, last event, cursor lag, queue, failures, config (exit 3: not running)",
    )
    .option("--json", "print the status as one JSON object")
    .option("--timeout <duration>", "how long to wait for the daemon's answer (default 10s)");
  cmd.action(async (opts, c) => {
    const g = resolveGlobals(c.optsWithGlobals() as GlobalFlags);
    const s = await fetchStatus(g.stateDir, {
      timeoutMs: durationFlag("--timeout", opts.timeout, 10_000),
    });
    const text = opts.json ? JSON.stringify(s, null, 2) + "\n" : formatStatus(s);
    await Deno.stdout.write(new TextEncoder().encode(text));
    status.code = 0;
  });
  return cmd;
}
