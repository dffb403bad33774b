/**
 * The `reactor check` table of everything a config sets up.
 *
 * @module
 */
import { formatDuration } from "../util/duration.ts";
import type { LoadedConfig } from "./model.ts";
import { describeWebhook } from "../webhook/settings.ts";

/** What the table shows of a configured Docker host. */
export interface HostRow {
  id: string;
  type: string;
  host: string;
  disabled: boolean;
  source: string;
}

/** Pad columns; the last column is not padded. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => widths[i] = Math.max(widths[i] ?? 0, c.length));
  return rows.map((r) =>
    r.map((c, i) => i === r.length - 1 ? c : c.padEnd(widths[i]!)).join("  ").trimEnd()
  )
    .join("\n") + "\n";
}

/** One row per built-in hook, rule and handler. */
export function configTable(cfg: LoadedConfig, hosts: readonly HostRow[] = []): string {
  const rows: string[][] = [["KIND", "NAME", "SOURCE", "MATCH", "ACTION"]];
  for (const h of hosts) {
    rows.push([
      "host",
      h.id,
      h.source,
      h.type,
      `${h.host}${h.disabled ? " (disabled)" : ""}`,
    ]);
  }
  for (const c of cfg.hooks) {
    const settings = c.settings === false ? "off" : c.hook.describe(c.settings);
    rows.push(["hook", c.hook.name, "built-in", "(hook decides)", settings]);
    if (c.settings !== false && c.hook.rows) rows.push(...c.hook.rows(c.settings));
  }
  for (const r of cfg.rules) {
    const extra = [
      r.network ? `network=${r.network}` : "",
      r.timeoutMs !== undefined ? `timeout=${formatDuration(r.timeoutMs)}` : "",
      r.retries ? `retries=${r.retries}` : "",
      r.debounceMs !== undefined ? `debounce=${formatDuration(r.debounceMs)}` : "",
    ].filter(Boolean);
    rows.push([
      "rule",
      r.name,
      r.origin,
      r.match.summary + (r.hosts ? ` hosts=${r.hosts.join(",")}` : ""),
      [
        r.run.length ? JSON.stringify(r.run.map((t) => t.source)) : "",
        r.webhook ? `webhook ${describeWebhook(r.webhook)}` : "",
      ].filter(Boolean).join(" + ") + (extra.length ? ` (${extra.join(" ")})` : ""),
    ]);
  }
  for (const h of cfg.handlers) {
    rows.push([
      "handler",
      h.name,
      h.origin,
      h.match.summary + (h.hosts ? ` hosts=${h.hosts.join(",")}` : ""),
      [
        h.run ? "TypeScript function" : "",
        h.webhook ? `webhook ${describeWebhook(h.webhook)}` : "",
      ].filter(Boolean).join(" + ") +
      (h.timeoutMs !== undefined ? ` (timeout=${formatDuration(h.timeoutMs)})` : ""),
    ]);
  }
  const head = cfg.files.length
    ? `config: ${cfg.files.join(", ")}`
    : "config: embedded default (no config file found)";
  const docker = cfg.docker ? `docker: section from ${cfg.docker.file}\n` : "";
  const n = `${cfg.rules.length} rule(s), ${cfg.handlers.length} handler(s), ${
    cfg.hooks.filter((c) => c.settings !== false).length
  } built-in hook(s) on`;
  return `${head}\n${docker}${formatTable(rows)}${n}\n`;
}
