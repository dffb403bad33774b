/**
 * `glue_*` labels of the running containers → {@link BalancerModel}. Pure: no I/O, the same
 * input gives the same model (sorted everywhere), so renders and runtime diffs are stable.
 *
 * Labels (Docker Glue's names; `<port>` is the container port and the frontend port):
 * - `glue_http_ports`: explicit comma list of HTTP ports; without it, the ports named by
 *   `glue_http_<port>_host` / `glue_http_<port>_prefix` labels.
 * - `glue_http_<port>_host`, `_prefix` (no leading `/`), `_strip_prefix` (1/0, default 0),
 *   `_weight` (0–256, default 100).
 * - `glue_tcp_ports`, `glue_tcp_<port>_weight`: plain TCP balancing.
 *
 * Every `glue_http_*`/`glue_tcp_*` value is validated; one bad value leaves the whole container
 * out, with one warning per bad label naming the container and the label.
 *
 * @module
 */
import {
  type Parsed,
  parseFlag,
  parseHost,
  parsePort,
  parsePortList,
  parsePrefix,
  parseWeight,
} from "./label_values.ts";
import type {
  Backend,
  BalancerContainer,
  BalancerModel,
  ModelWarning,
  Server,
  TcpFrontend,
} from "./model.ts";
import { httpFrontends, nameHttpBackends, stripRule } from "./routes.ts";

/** Health-check options on every server line (dynamic servers do not inherit default-server). */
export const DEFAULT_SERVER_CHECK =
  "check inter 2s fastinter 100ms downinter 100ms rise 1 fall 2 observe layer4 error-limit 1 " +
  "on-error mark-down";

/** Default weight, as Glue. */
export const DEFAULT_WEIGHT = 100;

/** Options for {@link balancerModel}. */
export interface ModelOptions {
  /** Runtime API socket path, passed through to the template. */
  statsSocket: string;
  /** Frontend bind address: `*` (default) or an IPv4 address. */
  bindAddress?: string;
  /** Use the container's IP on this network (default: its primary IP). */
  network?: string;
  /** Use the host's published port of `<port>/tcp` instead of the container IP. */
  publishedPorts?: boolean;
  /** Containers with a HEALTHCHECK get traffic only while healthy (default true). */
  healthGated?: boolean;
  /** Options after `weight N` on each server line (default {@link DEFAULT_SERVER_CHECK}). */
  serverCheck?: string;
}

/** What {@link balancerModel} returns. */
export interface ModelResult {
  model: BalancerModel;
  warnings: ModelWarning[];
}

const HTTP_LABEL = /^glue_http_([^_]+)_(host|prefix|strip_prefix|weight)$/;
const TCP_LABEL = /^glue_tcp_([^_]+)_(weight)$/;

/** One container's validated contribution. */
interface Entry {
  container: BalancerContainer;
  http: { port: number; host: string; prefix: string; strip: boolean; weight: number }[];
  tcp: { port: number; weight: number }[];
}

/**
 * Build the balancer model from all containers (not-running ones are skipped).
 *
 * @example
 * ```ts ignore
 * const { model, warnings } = balancerModel(containers, { statsSocket: "/run/haproxy/admin.sock" });
 * ```
 */
export function balancerModel(
  containers: readonly BalancerContainer[],
  opts: ModelOptions,
): ModelResult {
  const warnings: ModelWarning[] = [];
  const sorted = [...containers].filter((c) => c.running).sort((a, b) =>
    cmp(a.name, b.name) || cmp(a.id, b.id)
  );
  const entries: Entry[] = [];
  for (const c of sorted) {
    const e = readLabels(c, warnings);
    if (e) entries.push(e);
  }
  const httpBackends = new Map<string, Backend>();
  const tcpBackends = new Map<number, Backend>();
  const stripOwner = new Map<string, string>();
  for (const e of entries) {
    const c = e.container;
    for (const h of e.http) {
      const address = addressOf(c, h.port, `glue_http_${h.port}_host`, opts, warnings);
      if (!address) continue;
      const key = `${h.port}\u0000${h.host}\u0000${h.prefix}`;
      let be = httpBackends.get(key);
      if (!be) {
        be = {
          name: "",
          mode: "http",
          port: h.port,
          host: h.host,
          prefix: h.prefix,
          stripPrefix: h.strip,
          servers: [],
        };
        httpBackends.set(key, be);
        stripOwner.set(key, c.name);
      } else if (be.stripPrefix !== h.strip) {
        warnings.push({
          container: c.name,
          label: `glue_http_${h.port}_strip_prefix`,
          message: `disagrees with container "${stripOwner.get(key)}" on the same host and ` +
            `prefix; using ${be.stripPrefix ? 1 : 0} — give both the same value`,
        });
      }
      be.servers.push(server(c, address, h.weight, opts));
    }
    for (const t of e.tcp) {
      const address = addressOf(c, t.port, "glue_tcp_ports", opts, warnings);
      if (!address) continue;
      let be = tcpBackends.get(t.port);
      if (!be) {
        be = {
          name: `be_tcp_${t.port}`,
          mode: "tcp",
          port: t.port,
          host: "",
          prefix: "",
          stripPrefix: false,
          servers: [],
        };
        tcpBackends.set(t.port, be);
      }
      be.servers.push(server(c, address, t.weight, opts));
    }
  }
  const http = [...httpBackends.values()].sort((a, b) =>
    a.port - b.port || cmp(a.host, b.host) || cmp(a.prefix, b.prefix)
  );
  nameHttpBackends(http);
  for (const be of [...http, ...tcpBackends.values()]) {
    be.servers.sort((a, b) => cmp(a.name, b.name));
    if (be.stripPrefix && be.prefix) be.strip = stripRule(be.prefix);
  }
  const bind = opts.bindAddress ?? "*";
  const tcp = [...tcpBackends.values()].sort((a, b) => a.port - b.port);
  return {
    model: {
      global: { statsSocket: opts.statsSocket },
      http: httpFrontends(http, bind),
      tcp: tcp.map((be): TcpFrontend => ({
        name: `fe_tcp_${be.port}`,
        port: be.port,
        bind: `${bind}:${be.port}`,
        backend: be.name,
      })),
      backends: [...http, ...tcp],
    },
    warnings,
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Validate a container's glue labels; undefined (plus warnings) when it must be left out. */
function readLabels(c: BalancerContainer, warnings: ModelWarning[]): Entry | undefined {
  const glue = Object.keys(c.labels).filter((k) =>
    k.startsWith("glue_http_") || k.startsWith("glue_tcp_")
  )
    .sort();
  if (glue.length === 0) return undefined;
  let bad = false;
  const warn = (label: string, message: string) =>
    warnings.push({ container: c.name, label, message });
  const get = <T>(label: string, parse: (v: string) => Parsed<T>, dflt: T): T => {
    const raw = c.labels[label];
    if (raw === undefined) return dflt;
    const p = parse(raw);
    if ("error" in p) {
      bad = true;
      warn(label, p.error);
      return dflt;
    }
    return p.value;
  };
  // ports named by per-port labels (their digits must be a port, too)
  const named = new Set<number>();
  const tcpNamed = new Set<number>();
  for (const k of glue) {
    const m = HTTP_LABEL.exec(k) ?? TCP_LABEL.exec(k);
    if (!m) {
      if (k !== "glue_http_ports" && k !== "glue_tcp_ports") {
        warn(k, `is not a known label and is ignored — check the spelling`);
      }
      continue;
    }
    const p = parsePort(m[1]!);
    if ("error" in p) {
      bad = true;
      warn(k, `names port ${m[1]}, which is not a port from 1 to 65535 — fix the label name`);
      continue;
    }
    if (k.startsWith("glue_tcp_")) tcpNamed.add(p.value);
    else if (m[2] === "host" || m[2] === "prefix") named.add(p.value);
  }
  const explicit = get<number[] | undefined>("glue_http_ports", parsePortList, undefined);
  const tcpPorts = get<number[]>("glue_tcp_ports", parsePortList, []);
  const httpPorts = explicit ?? [...named].sort((a, b) => a - b);
  const http = httpPorts.map((port) => ({
    port,
    host: get(`glue_http_${port}_host`, parseHost, ""),
    prefix: get(`glue_http_${port}_prefix`, parsePrefix, ""),
    strip: get(`glue_http_${port}_strip_prefix`, parseFlag, false),
    weight: get(`glue_http_${port}_weight`, parseWeight, DEFAULT_WEIGHT),
  }));
  // validate per-port labels of ports not listed too: a later list change would use them
  for (const k of glue) {
    const m = HTTP_LABEL.exec(k);
    if (!m || !/^\d+$/.test(m[1]!) || httpPorts.includes(Number(m[1]))) continue;
    const parse = {
      host: parseHost,
      prefix: parsePrefix,
      strip_prefix: parseFlag,
      weight: parseWeight,
    }[
      m[2] as "host"
    ] as (v: string) => Parsed<unknown>;
    get(k, parse, undefined);
  }
  const tcp: Entry["tcp"] = [];
  for (const port of tcpPorts) {
    const weight = get(`glue_tcp_${port}_weight`, parseWeight, DEFAULT_WEIGHT);
    if (httpPorts.includes(port)) {
      warn("glue_tcp_ports", `port ${port} is also an HTTP port; HTTP wins — list it only once`);
      continue;
    }
    tcp.push({ port, weight });
  }
  for (const port of tcpNamed) {
    if (!tcpPorts.includes(port)) get(`glue_tcp_${port}_weight`, parseWeight, DEFAULT_WEIGHT);
  }
  if (bad) return undefined;
  return { container: c, http, tcp };
}

/** `host:port` HAProxy should connect to, or undefined (with a warning). */
function addressOf(
  c: BalancerContainer,
  port: number,
  label: string,
  opts: ModelOptions,
  warnings: ModelWarning[],
): { ip: string; port: number } | undefined {
  if (opts.publishedPorts) {
    const p = c.ports.find((x) => x.port === port && x.protocol === "tcp")?.bindings
      .find((b) => /^\d+\.\d+\.\d+\.\d+$|^$/.test(b.hostIp));
    if (!p) {
      warnings.push({
        container: c.name,
        label,
        message: `port ${port}/tcp is not published on an IPv4 host address — publish it ` +
          `(-p ${port}) or turn publishedPorts off`,
      });
      return undefined;
    }
    const ip = p.hostIp === "" || p.hostIp === "0.0.0.0" ? "127.0.0.1" : p.hostIp;
    return { ip, port: p.hostPort };
  }
  const ip = opts.network ? c.networks[opts.network]?.ip ?? "" : c.primaryIp;
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) {
    warnings.push({
      container: c.name,
      label,
      message: opts.network
        ? `the container has no IPv4 address on network "${opts.network}" — connect it to ` +
          `that network or change the network setting`
        : `the container has no IPv4 address — attach it to a network`,
    });
    return undefined;
  }
  return { ip, port };
}

function server(
  c: BalancerContainer,
  address: { ip: string; port: number },
  weight: number,
  opts: ModelOptions,
): Server {
  const enabled = !(opts.healthGated ?? true) || c.health === "none" || c.health === "healthy";
  const check = opts.serverCheck ?? DEFAULT_SERVER_CHECK;
  return {
    name: serverName(c),
    address: address.ip,
    port: address.port,
    weight,
    enabled,
    containerId: c.id,
    containerName: c.name,
    args: `${address.ip}:${address.port} weight ${weight}${check ? ` ${check}` : ""}${
      enabled ? "" : " disabled"
    }`,
  };
}

/**
 * The server name of a container: its name (characters outside `A-Za-z0-9_.-` become `_`) and
 * the first 12 characters of its id, so a re-created container is a new server.
 */
export function serverName(c: { name: string; id: string }): string {
  const name = (c.name || "c").replace(/[^A-Za-z0-9_.-]/g, "_");
  const id = c.id.replace(/[^A-Za-z0-9]/g, "").slice(0, 12);
  return `${name}_${id}`;
}
