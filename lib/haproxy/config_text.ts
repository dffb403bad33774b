/**
 * Reads a rendered haproxy.cfg back into the two parts the balancer compares: the *structure*
 * (every line except `server` lines of backends) and the *servers* (per backend). Working on the
 * text, not on the model, makes the runtime/reload decision hold for any template: built-in,
 * user file or TS function. A change confined to `server` lines of existing backends can go
 * through the Runtime API; anything else needs a reload.
 *
 * @module
 */

/** One `server` line of a backend or listen section. */
export interface ServerLine {
  backend: string;
  name: string;
  /** IPv4 address, or "" when the address is not `a.b.c.d:port` (then only a reload applies it). */
  address: string;
  port: number;
  /** `weight N` (HAProxy's default is 1). */
  weight: number;
  /** The `disabled` keyword is present. */
  disabled: boolean;
  /** Everything after the name, as written (what `add server` gets). */
  args: string;
  /** The arguments other than address, weight and `disabled`/`enabled`, normalized. */
  options: string;
}

/** A config split for comparison. */
export interface ConfigShape {
  /** The config without `server` lines (trailing whitespace and blank lines normalized). */
  structure: string;
  /** Backend name → server name → line, for sections that may hold servers. */
  servers: Map<string, Map<string, ServerLine>>;
}

const SECTIONS = new Set([
  "global",
  "defaults",
  "frontend",
  "backend",
  "listen",
  "peers",
  "resolvers",
  "userlist",
  "program",
  "http-errors",
  "ring",
  "cache",
  "mailers",
  "log-forward",
]);

function stripComment(line: string): string {
  const i = line.indexOf("#");
  return i < 0 ? line : line.slice(0, i);
}

/**
 * Split a config into structure and servers.
 *
 * @example
 * ```ts
 * import { parseConfig } from "./config_text.ts";
 * const shape = parseConfig("backend b\n    server s1 10.0.0.2:80 weight 5 check\n");
 * shape.servers.get("b")?.get("s1")?.weight; // 5
 * ```
 */
export function parseConfig(text: string): ConfigShape {
  const servers = new Map<string, Map<string, ServerLine>>();
  const kept: string[] = [];
  let section = "";
  let proxy = "";
  for (const raw of text.split("\n")) {
    const words = stripComment(raw).trim().split(/\s+/).filter(Boolean);
    const first = words[0] ?? "";
    if (SECTIONS.has(first)) {
      section = first;
      proxy = words[1] ?? "";
      if (section === "backend" || section === "listen") {
        if (!servers.has(proxy)) servers.set(proxy, new Map());
      }
    } else if (first === "server" && (section === "backend" || section === "listen")) {
      const line = parseServer(proxy, words.slice(1));
      if (line) {
        servers.get(proxy)!.set(line.name, line);
        continue;
      }
    }
    const t = raw.trimEnd();
    if (t === "" && (kept.length === 0 || kept[kept.length - 1] === "")) continue;
    kept.push(t);
  }
  while (kept.length && kept[kept.length - 1] === "") kept.pop();
  return { structure: kept.join("\n"), servers };
}

function parseServer(backend: string, words: string[]): ServerLine | undefined {
  const [name, addr, ...rest] = words;
  if (!name || !addr) return undefined;
  const m = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(addr);
  let weight = 1;
  let disabled = false;
  const options: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]!;
    if (w === "weight" && i + 1 < rest.length) weight = Number(rest[++i]);
    else if (w === "disabled") disabled = true;
    else if (w === "enabled") disabled = false;
    else options.push(w);
  }
  return {
    backend,
    name,
    address: m ? m[1]! : "",
    port: m ? Number(m[2]) : 0,
    weight: Number.isInteger(weight) ? weight : NaN,
    disabled,
    args: [addr, ...rest].join(" "),
    options: options.join(" "),
  };
}
