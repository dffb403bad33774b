/**
 * `reactor events [--json|--raw] [--since T] [--until T] [--filter k=v]…`: tail normalized
 * events from every host, like `docker events` (with `--until` it exits once every host's stream
 * reached that time).
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "commander";
import { eventToJson } from "../docker/normalize.ts";
import type { ReactorEvent } from "../reactor.d.ts";
import { Reactor } from "../engine/reactor.ts";
import type { ExitStatus } from "./exit.ts";
import { type GlobalFlags, hostConnectors, resolveGlobals } from "./globals.ts";
import { installShutdownSignals } from "./signals.ts";
import { configOption, insecureConfigOption } from "../config/flags.ts";
import { loadCliConfig } from "./config.ts";
import { parseEventFilters, parseEventTime } from "./event_flags.ts";

/** One human line for an event. */
export function formatEventLine(ev: ReactorEvent): string {
  const name = ev.actor.attributes["name"] ?? "";
  const extra = ["image", "exitCode", "signal", "container"]
    .filter((k) => ev.actor.attributes[k] !== undefined)
    .map((k) => `${k}=${ev.actor.attributes[k]}`);
  const when = new Date(Number(BigInt(ev.timeNano) / 1_000_000n)).toISOString();
  return [when, ev.hostId, ev.type, ev.rawAction, ev.actor.id.slice(0, 12), name, ...extra]
    .filter(Boolean).join(" ");
}

/** Normalized event as one JSON object (timeNano as an exact string). */
export function formatEventJson(ev: ReactorEvent): string {
  return JSON.stringify({
    host: ev.hostId,
    type: ev.type,
    action: ev.action,
    rawAction: ev.rawAction,
    ...(ev.healthStatus ? { healthStatus: ev.healthStatus } : {}),
    id: ev.actor.id,
    name: ev.actor.attributes["name"],
    attributes: ev.actor.attributes,
    scope: ev.scope,
    time: ev.time,
    timeNano: ev.timeNano,
  });
}

/** `reactor events`. */
export function eventsCommand(status: ExitStatus): CommandUnknownOpts {
  const cmd = new Command("events")
    .description("tail normalized events from every host")
    .option("--json", "one JSON object per line")
    .option("--raw", "print the Engine's JSON as received")
    .option("--since <time>", "show events since a Unix timestamp, date or duration ago (10m)")
    .option("--until <time>", "stream events until this time, then exit (same formats)")
    .option(
      "--filter <key=value>",
      "filter like docker events: type, event, container, image, label, network, volume, … (repeatable)",
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .addOption(configOption())
    .addOption(insecureConfigOption());
  cmd.action(async (opts, c) => {
    const g = resolveGlobals(c.optsWithGlobals() as GlobalFlags);
    const now = Date.now();
    const since = opts.since === undefined ? undefined : parseEventTime("--since", opts.since, now);
    const until = opts.until === undefined ? undefined : parseEventTime("--until", opts.until, now);
    const filters = opts.filter?.length ? parseEventFilters(opts.filter) : undefined;
    const cfg = await loadCliConfig(g, opts);
    cfg.close();
    const enc = new TextEncoder();
    const write = (s: string) => Deno.stdout.writeSync(enc.encode(s + "\n"));
    const signals = installShutdownSignals();
    const reactor = new Reactor({
      hosts: hostConnectors(g, cfg.hosts),
      hooks: [],
      stateDir: g.stateDir,
      log: g.log,
      persist: false,
      resync: false,
      since,
      until,
      filters,
      tap: (ev) =>
        write(opts.raw ? eventToJson(ev) : opts.json ? formatEventJson(ev) : formatEventLine(ev)),
    });
    try {
      await reactor.run(signals.stop.signal);
    } finally {
      signals.dispose();
    }
    status.code = 0;
  });
  return cmd;
}
