/**
 * HTTP routing of the balancer model: backend names, the host and prefix ACLs of each frontend,
 * the order `use_backend` rules are tried in, and the prefix-stripping rule. Pure.
 *
 * @module
 */
import type { Backend, HostAcl, HttpFrontend, PrefixAcl, Route } from "./model.ts";

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function safeName(s: string): string {
  return s.replace(/\*/g, "wild").replace(/[^A-Za-z0-9_.-]/g, "_");
}

/** Give HTTP backends (sorted by port, host, prefix) unique names `be_http_<port>_<host>_<prefix>`. */
export function nameHttpBackends(backends: Backend[]): void {
  const used = new Set<string>();
  for (const be of backends) {
    let base = `be_http_${be.port}`;
    if (be.host) base += `_${safeName(be.host)}`;
    if (be.prefix) base += `_${safeName(be.prefix)}`;
    let name = base;
    for (let n = 2; used.has(name); n++) name = `${base}_${n}`;
    used.add(name);
    be.name = name;
  }
}

/** `^/api/?(.*)$` → `/\1`: removes `/api` and keeps the rest (and the query string). */
export function stripRule(prefix: string): { regex: string; replacement: string } {
  const escaped = prefix.replace(/[.]/g, "[.]");
  return { regex: `^/${escaped}/?(.*)$`, replacement: "/\\1" };
}

/** Host ACL order: exact hosts (longest first), then wildcards (longest first), then any host. */
function hostRank(host: string): [number, number, string] {
  if (host === "") return [2, 0, ""];
  return [host.startsWith("*.") ? 1 : 0, -host.length, host];
}

function compareHosts(a: string, b: string): number {
  const x = hostRank(a), y = hostRank(b);
  return x[0] - y[0] || x[1] - y[1] || cmp(x[2], y[2]);
}

function comparePrefixes(a: string, b: string): number {
  return b.length - a.length || cmp(a, b);
}

/** One frontend per port with its host and prefix ACLs and routes in evaluation order. */
export function httpFrontends(backends: Backend[], bind: string): HttpFrontend[] {
  const ports = [...new Set(backends.map((b) => b.port))].sort((a, b) => a - b);
  return ports.map((port) => {
    const mine = backends.filter((b) => b.port === port);
    const hostList = [...new Set(mine.map((b) => b.host))].filter((h) => h).sort(compareHosts);
    const prefixList = [...new Set(mine.map((b) => b.prefix))].filter((p) => p)
      .sort(comparePrefixes);
    const hosts = hostList.map((host, i): HostAcl => {
      const wildcard = host.startsWith("*.");
      return {
        name: `host_${i + 1}`,
        host,
        wildcard,
        criterion: wildcard
          ? `req.hdr(host),field(1,:) -i -m end ${host.slice(1)}`
          : `req.hdr(host),field(1,:) -i ${host}`,
      };
    });
    const prefixes = prefixList.map((prefix, i): PrefixAcl => ({
      name: `path_${i + 1}`,
      prefix,
      criteria: [`path /${prefix}`, `path_beg /${prefix}/`],
    }));
    const routes = [...mine].sort((a, b) =>
      compareHosts(a.host, b.host) || comparePrefixes(a.prefix, b.prefix)
    ).map((b): Route => {
      const hostAcl = hosts.find((h) => h.host === b.host)?.name;
      const prefixAcl = prefixes.find((p) => p.prefix === b.prefix)?.name;
      return {
        backend: b.name,
        ...(hostAcl ? { hostAcl } : {}),
        ...(prefixAcl ? { prefixAcl } : {}),
        condition: [hostAcl, prefixAcl].filter(Boolean).join(" "),
      };
    });
    return { name: `fe_http_${port}`, port, bind: `${bind}:${port}`, hosts, prefixes, routes };
  });
}
