/**
 * Validation of `glue_*` label values before they reach a haproxy.cfg line or a Runtime API
 * command. HAProxy's config parser splits words on spaces, starts comments at `#`, and gives
 * meaning to quotes and backslashes; its CLI splits commands on `;` and lines on newlines. A
 * value containing any of those is refused outright, whatever the label; then each kind of value
 * is checked against a strict grammar (hostnames, path prefixes, ports, weights, flags).
 *
 * Every function returns the parsed value or `{ error }`: one line saying what is wrong and how
 * to fix it, without the label name (the caller adds it).
 *
 * @module
 */

/** A parsed value or why it was refused. */
export type Parsed<T> = { value: T } | { error: string };

// deno-lint-ignore no-control-regex
const CONFIG_SYNTAX = /[\s#'"`\\;\u0000-\u001f\u007f]/;
const HOST_LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
const PREFIX_SEGMENT = /^(?:[A-Za-z0-9._~-]|%[0-9A-Fa-f]{2})+$/;
const MAX_PREFIX = 256;

/** Quote a value for a message: JSON, cut to 60 characters. */
export function shown(value: string): string {
  const q = JSON.stringify(value);
  return q.length > 62 ? `${q.slice(0, 60)}…"` : q;
}

/**
 * The injection check every label value goes through first: refuse whitespace (including
 * newlines), `#`, quotes, backticks, backslashes, `;` and control characters.
 *
 * @example
 * ```ts
 * import { refuseConfigSyntax } from "./label_values.ts";
 * refuseConfigSyntax("example.com"); // undefined
 * refuseConfigSyntax("a.com\n    server evil 1.2.3.4:80"); // "… could inject HAProxy configuration …"
 * ```
 */
export function refuseConfigSyntax(value: string): string | undefined {
  const m = CONFIG_SYNTAX.exec(value);
  if (!m) return undefined;
  return `${shown(value)} contains ${describeChar(m[0])}, which could inject HAProxy ` +
    `configuration — remove it (values may not contain spaces, newlines, #, quotes, ` +
    `backslashes or ;)`;
}

function describeChar(c: string): string {
  if (c === "\n") return "a newline";
  if (c === "\r") return "a carriage return";
  if (c === " ") return "a space";
  if (c === "\t") return "a tab";
  if (/\s/.test(c)) return "whitespace";
  if (c.charCodeAt(0) < 0x20 || c === "\u007f") return "a control character";
  return `"${c}"`;
}

function guarded<T>(value: string, parse: (v: string) => Parsed<T>): Parsed<T> {
  const bad = refuseConfigSyntax(value);
  return bad ? { error: bad } : parse(value);
}

/**
 * A host name for the Host-header ACL: DNS labels of `a-z 0-9 - _`, at most 253 characters,
 * optionally starting with `*.` (any subdomain). Returned lowercase.
 *
 * @example
 * ```ts
 * import { parseHost } from "./label_values.ts";
 * parseHost("WWW.Example.com"); // { value: "www.example.com" }
 * ```
 */
export function parseHost(raw: string): Parsed<string> {
  return guarded(raw, (v): Parsed<string> => {
    const host = v.toLowerCase();
    const bare = host.startsWith("*.") ? host.slice(2) : host;
    const ok = bare.length > 0 && bare.length <= 253 &&
      bare.split(".").every((l) => HOST_LABEL.test(l));
    if (!ok) {
      return {
        error: `${shown(raw)} is not a host name — use DNS names like "app.example.com" ` +
          `or "*.example.com"`,
      };
    }
    return { value: host };
  });
}

/**
 * A path prefix, written without the leading `/` (one leading and any trailing `/` are
 * tolerated and dropped). Segments of letters, digits, `. _ ~ -` and `%XX` escapes; no empty,
 * `.` or `..` segments. "" means no prefix.
 *
 * @example
 * ```ts
 * import { parsePrefix } from "./label_values.ts";
 * parsePrefix("dashboard/horizon/"); // { value: "dashboard/horizon" }
 * ```
 */
export function parsePrefix(raw: string): Parsed<string> {
  return guarded(raw, (v): Parsed<string> => {
    const p = v.replace(/^\//, "").replace(/\/+$/, "");
    if (p === "") return { value: "" };
    const segments = p.split("/");
    const ok = p.length <= MAX_PREFIX &&
      segments.every((s) => PREFIX_SEGMENT.test(s) && s !== "." && s !== "..");
    if (!ok) {
      return {
        error: `${shown(raw)} is not a path prefix — use segments of letters, digits, ` +
          `". _ ~ -" or %XX separated by "/", e.g. "api/v1"`,
      };
    }
    return { value: p };
  });
}

/**
 * A TCP port, 1–65535, in decimal.
 *
 * @example
 * ```ts
 * import { parsePort } from "./label_values.ts";
 * parsePort("8080"); // { value: 8080 }
 * ```
 */
export function parsePort(raw: string): Parsed<number> {
  return guarded(raw, (v): Parsed<number> => {
    const n = /^[0-9]{1,5}$/.test(v) ? Number(v) : NaN;
    if (!(n >= 1 && n <= 65535)) {
      return { error: `${shown(raw)} is not a port — use a number from 1 to 65535` };
    }
    return { value: n };
  });
}

/**
 * A comma-separated port list (`80,8080`; spaces around commas are allowed). Duplicates are
 * dropped; the result is sorted.
 */
export function parsePortList(raw: string): Parsed<number[]> {
  // plain spaces around commas are harmless here (only the parsed numbers are used)
  const bad = refuseConfigSyntax(raw.replace(/ /g, ""));
  if (bad) return { error: bad };
  const items = raw.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const out = new Set<number>();
  for (const item of items) {
    const p = parsePort(item);
    if ("error" in p) {
      return {
        error: `${shown(raw)} is not a port list — write ports from 1 to 65535 separated by ` +
          `commas, e.g. "80,8080"`,
      };
    }
    out.add(p.value);
  }
  return { value: [...out].sort((a, b) => a - b) };
}

/**
 * A server weight, 0–256 (HAProxy's range; 0 sends no new traffic).
 *
 * @example
 * ```ts
 * import { parseWeight } from "./label_values.ts";
 * parseWeight("50"); // { value: 50 }
 * ```
 */
export function parseWeight(raw: string): Parsed<number> {
  return guarded(raw, (v): Parsed<number> => {
    const n = /^[0-9]{1,3}$/.test(v) ? Number(v) : NaN;
    if (!(n >= 0 && n <= 256)) {
      return { error: `${shown(raw)} is not a weight — use a whole number from 0 to 256` };
    }
    return { value: n };
  });
}

/** A `1`/`0` flag (`true`/`false` also accepted). */
export function parseFlag(raw: string): Parsed<boolean> {
  return guarded(raw, (v): Parsed<boolean> => {
    const s = v.toLowerCase();
    if (s === "1" || s === "true") return { value: true };
    if (s === "0" || s === "false") return { value: false };
    return { error: `${shown(raw)} is not a flag — use 1 or 0` };
  });
}
