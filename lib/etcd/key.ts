/**
 * Key templates: where a container's record lives in etcd. A template is a `/`-separated path
 * that starts with `{prefix}/`, names its host in a directory segment (`{hostId}`), and names the
 * container in its last segment (`{name}`, `{id}` or `{shortId}`). Placeholder values are
 * escaped, so a container or host name can never add a segment, leave the prefix or reach into
 * another host's directory. Each host's keys therefore sit in one directory ({@link hostScope}),
 * which is what reconciliation lists and cleans.
 *
 * Placeholders: `{prefix}` (the configured prefix, only as the first segment), `{hostId}` (the
 * configured Docker host id), `{engine}` (the engine's name, usually its hostname), `{name}`
 * (container name), `{id}` (full container id), `{shortId}` (its first 12 characters).
 *
 * @module
 */

/** Every placeholder a key template may use. */
export const KEY_PLACEHOLDERS = ["prefix", "hostId", "engine", "name", "id", "shortId"] as const;
/** One of {@link KEY_PLACEHOLDERS}. */
export type KeyPlaceholder = typeof KEY_PLACEHOLDERS[number];

/** The default: `<prefix>/<host id>/<container name>`. */
export const DEFAULT_KEY_TEMPLATE = "{prefix}/{hostId}/{name}";

const CONTAINER_LEVEL: ReadonlySet<string> = new Set(["name", "id", "shortId"]);
const LITERAL = /^[A-Za-z0-9_.:@=+,~-]*$/;

/** A piece of one segment. */
export type KeyPart = { literal: string } | { placeholder: KeyPlaceholder };

/** A parsed, validated key template. */
export interface KeyTemplate {
  readonly source: string;
  /** Segments after `{prefix}` and before the last one (the host directory). */
  readonly dirs: readonly (readonly KeyPart[])[];
  /** The last segment (names the container). */
  readonly leaf: readonly KeyPart[];
}

/** Values for the placeholders. */
export interface KeyValues {
  hostId: string;
  engine: string;
  name: string;
  id: string;
}

/** The directory and last-segment pattern that hold one host's keys. */
export interface HostScope {
  /** Ends with `/`. */
  dir: string;
  /** Matches the part after `dir` of a key this template produces for that host. */
  leaf: RegExp;
}

/**
 * Parse a template. Returns `{ error }` (a message ending with the fix) when it could yield a key
 * outside the prefix, mix hosts in one directory, or name no container.
 *
 * @example
 * ```ts
 * import { parseKeyTemplate } from "./key.ts";
 * parseKeyTemplate("{prefix}/{hostId}/{name}"); // { source, dirs: [[{ placeholder: "hostId" }]], leaf: … }
 * ```
 */
export function parseKeyTemplate(source: string): KeyTemplate | { error: string } {
  const q = JSON.stringify(source);
  if (!source.startsWith("{prefix}/")) {
    return {
      error:
        `${q} does not start with "{prefix}/", so it could put keys outside the prefix — start it with {prefix}/, e.g. ${DEFAULT_KEY_TEMPLATE}`,
    };
  }
  const segments = source.slice("{prefix}/".length).split("/");
  const parsed: KeyPart[][] = [];
  for (const seg of segments) {
    if (seg === "" || seg === "." || seg === "..") {
      return {
        error: `${q} has an ${
          seg ? `"${seg}"` : "empty"
        } path segment — use names between the slashes, e.g. ${DEFAULT_KEY_TEMPLATE}`,
      };
    }
    const parts: KeyPart[] = [];
    let rest = seg;
    while (rest) {
      const m = /^([^{}]*)\{([^{}]*)\}/.exec(rest);
      const literal = m ? m[1]! : rest;
      if (!m && /[{}]/.test(rest)) {
        return { error: `${q} has an unmatched "{" or "}" — write placeholders as {name}` };
      }
      if (!LITERAL.test(literal)) {
        return {
          error: `${q} has characters other than letters, digits and _.:@=+,~- in ${
            JSON.stringify(literal)
          } — remove them`,
        };
      }
      if (literal) parts.push({ literal });
      if (!m) break;
      const name = m[2]!;
      if (!(KEY_PLACEHOLDERS as readonly string[]).includes(name)) {
        return {
          error: `${q} uses unknown placeholder {${name}} — use ${
            KEY_PLACEHOLDERS.filter((p) => p !== "prefix").map((p) => `{${p}}`).join(", ")
          }`,
        };
      }
      if (name === "prefix") {
        return { error: `${q} uses {prefix} after the start — use it once, as the first segment` };
      }
      parts.push({ placeholder: name as KeyPlaceholder });
      rest = rest.slice(m[0].length);
    }
    parsed.push(parts);
  }
  const leaf = parsed[parsed.length - 1]!;
  const dirs = parsed.slice(0, -1);
  const hasContainer = (ps: readonly KeyPart[]) =>
    ps.some((p) => "placeholder" in p && CONTAINER_LEVEL.has(p.placeholder));
  if (!hasContainer(leaf)) {
    return {
      error:
        `${q} does not name the container in its last segment — end it with {name}, {id} or {shortId}`,
    };
  }
  if (dirs.some(hasContainer)) {
    return {
      error:
        `${q} names the container before the last segment — put {name}, {id} and {shortId} only in the last segment`,
    };
  }
  if (!dirs.some((ps) => ps.some((p) => "placeholder" in p && p.placeholder === "hostId"))) {
    return {
      error:
        `${q} has no directory segment with {hostId}, so hosts would share a directory — e.g. ${DEFAULT_KEY_TEMPLATE}`,
    };
  }
  return { source, dirs, leaf };
}

/**
 * Escape a placeholder value for use inside one key segment: bytes outside `A-Za-z0-9_.-` are
 * percent-encoded (so `/` can never split a segment, and `%` itself is encoded, which keeps the
 * mapping one-to-one), and a value made only of dots is fully encoded (no `.`/`..` segments).
 * Throws on an empty value (it would leave an empty segment or an ambiguous key).
 */
export function escapeKeyValue(value: string, what: string): string {
  if (value === "") throw new KeyError(`Cannot build an etcd key: the ${what} is empty`);
  const bytes = new TextEncoder().encode(value);
  let out = "";
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9_.-]/.test(c) && b < 0x80
      ? c
      : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return /^\.+$/.test(out) ? out.replaceAll(".", "%2E") : out;
}

/** A key that cannot be built from a container (empty name, …). */
export class KeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyError";
  }
}

function valueOf(p: KeyPlaceholder, v: Partial<KeyValues>): string {
  switch (p) {
    case "hostId":
      return escapeKeyValue(v.hostId ?? "", "host id");
    case "engine":
      return escapeKeyValue(v.engine ?? "", "engine name");
    case "name":
      return escapeKeyValue(v.name ?? "", "container name");
    case "id":
      return escapeKeyValue(v.id ?? "", "container id");
    case "shortId":
      return escapeKeyValue((v.id ?? "").slice(0, 12), "container id");
    case "prefix":
      throw new KeyError("Cannot build an etcd key: {prefix} inside a segment");
  }
}

function renderSegment(parts: readonly KeyPart[], v: Partial<KeyValues>): string {
  return parts.map((p) => "literal" in p ? p.literal : valueOf(p.placeholder, v)).join("");
}

/** The host directory (`<prefix>/<dirs…>/`) and the pattern of its container keys. */
export function hostScope(
  t: KeyTemplate,
  prefix: string,
  host: { hostId: string; engine: string },
): HostScope {
  const dir = [prefix, ...t.dirs.map((d) => renderSegment(d, host))].join("/") + "/";
  const re = t.leaf.map((p) => {
    if ("literal" in p) return p.literal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    if (CONTAINER_LEVEL.has(p.placeholder)) return "[^/]+";
    return valueOf(p.placeholder, host).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }).join("");
  return { dir, leaf: new RegExp(`^${re}$`) };
}

/**
 * The key of one container. Throws {@link KeyError} when a value is empty.
 *
 * @example
 * ```ts
 * import { parseKeyTemplate, renderKey } from "./key.ts";
 * const t = parseKeyTemplate("{prefix}/{hostId}/{name}");
 * if (!("error" in t)) renderKey(t, "/reactor", { hostId: "local", engine: "h1", name: "web", id: "ab" });
 * // "/reactor/local/web"
 * ```
 */
export function renderKey(t: KeyTemplate, prefix: string, v: KeyValues): string {
  return hostScope(t, prefix, v).dir + renderSegment(t.leaf, v);
}
