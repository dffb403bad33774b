/**
 * Shared pieces of the HAProxy integration tests: busybox `httpd` containers on a private dockerd
 * whose responses name the container, the container list as the balancer sees it, and a
 * balancer wired to a private HAProxy.
 *
 * @module
 */
import type { TestDockerd } from "../harness/dockerd.ts";
import { startHaproxy, type TestHaproxy } from "../harness/haproxy.ts";
import { parseInspect } from "../../lib/docker/normalize.ts";
import type { ContainerInfo } from "../../lib/reactor.d.ts";
import { exec } from "../../lib/exec/run.ts";
import { HaproxyBalancer } from "../../lib/haproxy/balancer.ts";
import { balancerModel } from "../../lib/haproxy/labels.ts";
import { builtinRenderer, renderConfig } from "../../lib/haproxy/render.ts";
import { parseHaproxySettings } from "../../lib/haproxy/settings.ts";
import type { Log, LogFields } from "../../lib/log.ts";

/**
 * Run a busybox httpd container listening on `port`; `GET /` answers `<name> /` and
 * `GET /api/` answers `<name> /api/` (so a test sees which container answered and which path
 * it got).
 */
export async function runWeb(
  d: TestDockerd,
  name: string,
  opts: {
    port: number;
    labels: Record<string, string>;
    wwwRoot: string;
    /** A HEALTHCHECK command (run every second by Docker inside the container). */
    health?: string;
    /** On `docker stop`, keep serving this long before exiting (a graceful stop). */
    graceSeconds?: number;
  },
): Promise<string> {
  const www = `${opts.wwwRoot}/${name}`;
  await Deno.mkdir(`${www}/api`, { recursive: true });
  await Deno.writeTextFile(`${www}/index.html`, `${name} /`);
  await Deno.writeTextFile(`${www}/api/index.html`, `${name} /api/`);
  const httpd = ["httpd", "-f", "-p", String(opts.port), "-h", "/www"];
  const health = opts.health === undefined ? [] : [
    "--health-cmd",
    opts.health,
    "--health-interval",
    "1s",
    "--health-timeout",
    "2s",
    "--health-retries",
    "1",
  ];
  return await d.runContainer(name, {
    labels: opts.labels,
    args: ["-v", `${www}:/www:ro`, ...health],
    cmd: opts.graceSeconds === undefined ? httpd : [
      "sh",
      "-c",
      `trap 'sleep ${opts.graceSeconds}; exit 0' TERM; ${httpd.join(" ")} & wait`,
    ],
  });
}

/** The running containers of `d`, inspected and normalized (what the inventory would hold). */
export async function containers(d: TestDockerd): Promise<ContainerInfo[]> {
  const ids = (await d.docker("ps", "-q", "--no-trunc")).split(/\s+/).filter(Boolean);
  if (ids.length === 0) return [];
  const raw = JSON.parse(await d.docker("inspect", ...ids)) as unknown[];
  return raw.map((x) => parseInspect(x, "default"));
}

/** A log that keeps records for assertions. */
export interface MemoryLog extends Log {
  records: { level: string; message: string; fields?: LogFields }[];
}

/** A {@link MemoryLog}. */
export function memoryLog(): MemoryLog {
  const records: MemoryLog["records"] = [];
  const mk = (bound: LogFields): Log => ({
    debug: (message, fields) =>
      records.push({ level: "debug", message, fields: { ...bound, ...fields } }),
    info: (message, fields) =>
      records.push({ level: "info", message, fields: { ...bound, ...fields } }),
    warn: (message, fields) =>
      records.push({ level: "warn", message, fields: { ...bound, ...fields } }),
    error: (message, fields) =>
      records.push({ level: "error", message, fields: { ...bound, ...fields } }),
    child: (fields) => mk({ ...bound, ...fields }),
  });
  return Object.assign(mk({}), { records });
}

/** A private HAProxy started on the built-in template with no containers. */
export async function startEmptyHaproxy(): Promise<TestHaproxy> {
  return await startHaproxy(({ statsSocket }) =>
    renderConfig(builtinRenderer(), balancerModel([], { statsSocket }).model)
  );
}

/** A balancer for `h` (reload = SIGUSR2 to its master), with extra raw settings. */
export function balancerFor(
  h: TestHaproxy,
  extra: Record<string, unknown> = {},
  opts: { reloadTimeoutMs?: number } = {},
): { balancer: HaproxyBalancer; log: MemoryLog } {
  const parsed = parseHaproxySettings({
    configFile: h.configFile,
    statsSocket: h.statsSocket,
    masterPidFile: h.pidFile,
    bindAddress: "127.0.0.1",
    wait: "50ms..500ms",
    ...extra,
  });
  if (!parsed.settings) throw new Error(JSON.stringify(parsed.problems));
  const log = memoryLog();
  const balancer = new HaproxyBalancer(parsed.settings, {
    exec,
    log,
    reloadTimeoutMs: opts.reloadTimeoutMs ?? 10_000,
  });
  return { balancer, log };
}
