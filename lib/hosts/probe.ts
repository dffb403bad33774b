/**
 * Probe configured hosts for `reactor hosts`: connect, read `/version`, and read the last event
 * time from the engine's cursor file. Never starts a managed daemon (it only checks its socket)
 * and never writes to the state dir.
 *
 * @module
 */
import { errorMessage } from "../errors.ts";
import type { Log } from "../log.ts";
import type { HostConfig } from "./config.ts";
import { createConnector } from "./connector.ts";
import { HostStateStore } from "../engine/cursor.ts";

/** One row of `reactor hosts`. */
export interface HostReport {
  id: string;
  type: string;
  endpoint: string;
  /** Where the endpoint came from (`config`, `DOCKER_HOST`, `context "x"`, …). */
  source: string;
  state: "up" | "down" | "disabled";
  apiVersion?: string;
  engineVersion?: string;
  rootless?: boolean;
  /** Time of the last event reactor recorded for this host (its cursor), ISO 8601. */
  lastEventAt?: string;
  /** Seconds since {@link lastEventAt}. */
  lastEventAgeSeconds?: number;
  error?: string;
}

/** Probe every host in parallel (each bounded by `timeoutMs`). */
export async function probeHosts(
  hosts: readonly HostConfig[],
  opts: { log: Log; stateDir: string; timeoutMs?: number; now?: number },
): Promise<HostReport[]> {
  return await Promise.all(hosts.map((h) => probeHost(h, opts)));
}

async function probeHost(
  cfg: HostConfig,
  opts: { log: Log; stateDir: string; timeoutMs?: number; now?: number },
): Promise<HostReport> {
  const report: HostReport = {
    id: cfg.id,
    type: cfg.type,
    endpoint: cfg.host,
    source: cfg.source,
    state: "disabled",
  };
  const last = await lastEvent(opts.stateDir, cfg.id, cfg.host);
  if (last !== undefined) {
    report.lastEventAt = new Date(last).toISOString();
    report.lastEventAgeSeconds = Math.max(0, Math.round(((opts.now ?? Date.now()) - last) / 1000));
  }
  if (cfg.disabled) return report;
  // A managed host is only looked at, never started, by `reactor hosts`.
  const probeCfg: HostConfig = cfg.managed
    ? { ...cfg, type: "external", managed: undefined, warnings: [] }
    : { ...cfg, warnings: [] };
  const conn = createConnector(probeCfg, {
    log: opts.log,
    connectTimeoutMs: opts.timeoutMs ?? 10_000,
  });
  try {
    const docker = await conn.connect(AbortSignal.timeout(opts.timeoutMs ?? 10_000));
    const v = await docker.version(AbortSignal.timeout(opts.timeoutMs ?? 10_000));
    report.state = "up";
    report.apiVersion = docker.apiVersion ?? v.apiVersion;
    report.engineVersion = v.version;
    try {
      report.rootless = (await docker.info(AbortSignal.timeout(opts.timeoutMs ?? 10_000)))
        .rootless;
    } catch { /* optional */ }
  } catch (err) {
    report.state = "down";
    report.error = cfg.managed
      ? `managed daemon not running or not answering (${errorMessage(err)})`
      : errorMessage(err);
  } finally {
    await conn.close();
  }
  return report;
}

/**
 * Milliseconds since epoch of the host's cursor (`<stateDir>/hosts/<id>.json` `since`), only
 * when that cursor was saved for this very endpoint (the id `default` may have pointed at
 * another engine then).
 */
async function lastEvent(
  stateDir: string,
  id: string,
  endpoint: string,
): Promise<number | undefined> {
  const saved = await new HostStateStore(stateDir, id).peek(id);
  if (!saved?.since || saved.endpoint !== endpoint) return undefined;
  return Number(BigInt(saved.since) / 1_000_000n);
}

/** Render reports as an aligned table. */
export function formatHostsTable(reports: readonly HostReport[]): string {
  const rows = [["ID", "TYPE", "ENDPOINT", "STATE", "API", "ENGINE", "LAST EVENT"]];
  for (const r of reports) {
    rows.push([
      r.id,
      r.type,
      r.endpoint,
      r.state + (r.rootless ? " (rootless)" : ""),
      r.apiVersion ?? "-",
      r.engineVersion ?? "-",
      r.lastEventAgeSeconds !== undefined ? `${formatAge(r.lastEventAgeSeconds)} ago` : "-",
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd());
  for (const r of reports) if (r.error) lines.push(`${r.id}: ${r.error}`);
  return lines.join("\n");
}

function formatAge(s: number): string {
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}
