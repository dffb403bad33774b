/**
 * The text of `reactor status` (`--json` prints the {@link DaemonStatus} itself).
 *
 * @module
 */
import { formatTable } from "../config/table.ts";
import { humanDuration, localTime } from "../log.ts";
import type { DaemonStatus } from "./model.ts";

function ago(iso: string | undefined, now: number): string {
  if (!iso) return "-";
  return `${humanDuration(Math.max(0, now - Date.parse(iso)))} ago`;
}

function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

function breakdown(counts: Record<string, number>): string {
  return Object.entries(counts).sort(([a], [b]) => a.localeCompare(b))
    .map(([hook, n]) => `${hook} ${n}`).join(", ");
}

/** Human output: the daemon, its config, then one line per host. */
export function formatStatus(s: DaemonStatus, now = Date.now()): string {
  const up = humanDuration(Math.max(0, now - Date.parse(s.startedAt)));
  let out =
    `reactor ${s.version}: running, PID ${s.pid}, up ${up}, state directory ${s.stateDir}\n`;
  const loaded = `loaded ${localTime(Date.parse(s.config.loadedAt))} (${
    ago(s.config.loadedAt, now)
  })${s.config.reloads ? `, ${s.config.reloads} reload(s)` : ""}`;
  out += `config: ${
    s.config.files.length ? s.config.files.join(", ") : "embedded default (no config file)"
  }, ${loaded}\n`;
  out += `queue: ${s.queueDepth} container task(s)\n\n`;
  const rows = [[
    "HOST",
    "STATE",
    "API",
    "LAST EVENT",
    "CURSOR LAG",
    "QUEUE",
    "FAILURES (1H)",
    "ENDPOINT",
  ]];
  for (const h of s.hosts) {
    rows.push([
      h.id,
      h.state,
      h.apiVersion ?? "-",
      ago(h.lastEventAt, now),
      h.cursorLagSeconds === undefined
        ? "-"
        : h.cursorLagSeconds === 0
        ? "0s"
        : humanDuration(h.cursorLagSeconds * 1000),
      String(h.queue),
      String(total(h.failures)),
      h.endpoint,
    ]);
  }
  out += formatTable(rows);
  for (const h of s.hosts) {
    if (h.lastError) out += `${h.id}: ${h.lastError}\n`;
    if (total(h.failures)) out += `${h.id}: failed in the last hour: ${breakdown(h.failures)}\n`;
  }
  if (total(s.engineFailures)) {
    out += `hooks not tied to a host, failed in the last hour: ${breakdown(s.engineFailures)}\n`;
  }
  return out;
}
