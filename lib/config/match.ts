/**
 * Event selectors: exact strings, globs (`web-*`), `/regex/flags` strings or RegExps, and lists
 * meaning any-of. Compiled once at load time into a predicate on a {@link ReactorEvent}.
 *
 * @module
 */
import type { ReactorEvent } from "../reactor.d.ts";
import { kind, suggest } from "./problems.ts";

/** A compiled single-value predicate. */
export type ValueMatcher = (value: string | undefined) => boolean;

/** A compiled event predicate plus a human summary for tables. */
export interface EventMatcher {
  (event: ReactorEvent): boolean;
  /** `type=container action=start actor.name=sentry_web`, or `*` for catch-all. */
  readonly summary: string;
  /** The selector says `type: container` (no other type of event can match). */
  readonly containerOnly: boolean;
}

/** A problem found while compiling a selector: `path` is relative to the selector. */
export interface MatchProblem {
  path: (string | number)[];
  message: string;
}

const EVENT_KEYS = ["type", "action", "scope", "actor", "labels"] as const;
const ACTOR_KEYS = ["id", "name", "attributes"] as const;

/** Keys allowed in an event selector (for suggestions). */
export const MATCH_KEYS: readonly string[] = EVENT_KEYS;
/** Keys allowed in an `actor` selector. */
export const ACTOR_MATCH_KEYS: readonly string[] = ACTOR_KEYS;

function globToRegExp(glob: string): RegExp {
  let re = "^";
  for (const ch of glob) {
    if (ch === "*") re += ".*";
    else if (ch === "?") re += ".";
    else re += ch.replace(/[.+^${}()|[\]\\/-]/g, "\\$&");
  }
  return new RegExp(re + "$", "s");
}

/** A glob as the cheapest test: `web-*` is a prefix, `*.local` a suffix, `*db*` a substring. */
function globTest(glob: string): (s: string) => boolean {
  const inner = glob.replace(/^\*+|\*+$/g, "");
  if (!/[*?]/.test(inner) && inner !== "") {
    const lead = glob.startsWith("*"), trail = glob.endsWith("*");
    if (lead && trail) return (s) => s.includes(inner);
    if (trail) return (s) => s.startsWith(inner);
    if (lead) return (s) => s.endsWith(inner);
  }
  const re = globToRegExp(glob);
  return (s) => re.test(s);
}

/** One predicate from exact values (a Set past a few) and tests (globs, regexes). */
function anyOf(exact: string[], tests: ((s: string) => boolean)[]): ValueMatcher {
  const set = exact.length > 3 ? new Set(exact) : undefined;
  const [a, b, c] = exact;
  const isExact = set
    ? (v: string) => set.has(v)
    : exact.length === 1
    ? (v: string) => v === a
    : exact.length === 2
    ? (v: string) => v === a || v === b
    : exact.length === 3
    ? (v: string) => v === a || v === b || v === c
    : () => false;
  if (tests.length === 0) return (v) => v !== undefined && isExact(v);
  const [t0] = tests;
  if (tests.length === 1 && exact.length === 0) return (v) => v !== undefined && t0!(v);
  return (v) => {
    if (v === undefined) return false;
    if (isExact(v)) return true;
    for (const t of tests) if (t(v)) return true;
    return false;
  };
}

/**
 * Compile one pattern value. Returns the matcher or a problem message (relative path `[]` or
 * `[index]` for list items). `exact` is true when it only compares strings (the cheapest kind).
 */
export function compilePattern(
  value: unknown,
): { matcher: ValueMatcher; text: string; exact: boolean } | MatchProblem {
  const items = Array.isArray(value) ? value : [value];
  if (Array.isArray(value) && value.length === 0) {
    return { path: [], message: "empty list matches nothing — remove the key or add values" };
  }
  const exact: string[] = [];
  const tests: ((s: string) => boolean)[] = [];
  const texts: string[] = [];
  for (let i = 0; i < items.length; i++) {
    const item: unknown = items[i];
    const at = Array.isArray(value) ? [i] : [];
    if (item instanceof RegExp) {
      const re = new RegExp(item.source, item.flags.replace(/[gy]/g, ""));
      tests.push((s) => re.test(s));
      texts.push(String(item));
      continue;
    }
    if (typeof item !== "string") {
      return {
        path: at,
        message: `expected a string, glob or /regex/, got ${kind(item)}${
          typeof item === "number" || typeof item === "boolean"
            ? ` — quote it: "${String(item)}"`
            : ""
        }`,
      };
    }
    const rx = /^\/(.*)\/([a-z]*)$/s.exec(item);
    if (rx && item.length >= 2) {
      let re: RegExp;
      try {
        if (/[^imsu]/.test(rx[2]!)) throw new SyntaxError(`flags "${rx[2]}" are not allowed`);
        re = new RegExp(rx[1]!, rx[2]);
      } catch (err) {
        return {
          path: at,
          message: `invalid regular expression ${item}: ${
            (err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, "")
          } — fix the regex (flags allowed: i, m, s, u)`,
        };
      }
      tests.push((s) => re.test(s));
    } else if (/[*?]/.test(item)) {
      tests.push(globTest(item));
    } else {
      exact.push(item);
    }
    texts.push(item);
  }
  return {
    matcher: anyOf(exact, tests),
    text: texts.length === 1 ? texts[0]! : `{${texts.join(",")}}`,
    exact: tests.length === 0,
  };
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof RegExp);
}

/**
 * Compile an event selector (`{type, action, scope, actor: {id, name, attributes}, labels}`).
 * `undefined` compiles to the catch-all. Problems carry paths relative to the selector.
 */
export function compileMatch(
  spec: unknown,
): { matcher: EventMatcher; problems: [] } | { matcher?: undefined; problems: MatchProblem[] } {
  const problems: MatchProblem[] = [];
  /** Predicates: cheap ones (exact strings) run first. */
  const preds: { p: (e: ReactorEvent) => boolean; cheap: boolean }[] = [];
  const summary: string[] = [];
  let containerOnly = false;
  const add = (
    path: (string | number)[],
    value: unknown,
    pred: (m: ValueMatcher) => (e: ReactorEvent) => boolean,
    label: string,
  ) => {
    const c = compilePattern(value);
    if ("message" in c) {
      problems.push({ path: [...path, ...c.path], message: c.message });
      return;
    }
    preds.push({ p: pred(c.matcher), cheap: c.exact });
    summary.push(`${label}=${c.text}`);
  };
  const mapOf = (
    path: (string | number)[],
    value: unknown,
    get: (e: ReactorEvent, k: string) => string | undefined,
    label: string,
  ) => {
    if (!isMap(value)) {
      problems.push({
        path,
        message: `expected a map of name: pattern, got ${
          kind(value)
        } — e.g. ${label}: { com.example.role: web }`,
      });
      return;
    }
    for (const [k, v] of Object.entries(value)) {
      add([...path, k], v, (m) => (e) => m(get(e, k)), `${label}.${k}`);
    }
  };

  if (spec !== undefined && spec !== null) {
    if (!isMap(spec)) {
      problems.push({
        path: [],
        message: `expected a map like { type: container, action: start }, got ${kind(spec)}`,
      });
    } else {
      for (const [key, value] of Object.entries(spec)) {
        switch (key) {
          case "type":
            add([key], value, (m) => (e) => m(e.type), "type");
            containerOnly = value === "container";
            break;
          case "action":
            add(
              [key],
              value,
              (m) => (e) => m(e.action) || (e.rawAction !== e.action && m(e.rawAction)),
              "action",
            );
            break;
          case "scope":
            add([key], value, (m) => (e) => m(e.scope), "scope");
            break;
          case "labels":
            mapOf([key], value, (e, k) => e.actor.attributes[k], "labels");
            break;
          case "actor": {
            if (!isMap(value)) {
              problems.push({
                path: [key],
                message: `expected a map with id, name or attributes, got ${kind(value)}`,
              });
              break;
            }
            for (const [ak, av] of Object.entries(value)) {
              if (ak === "id") add([key, ak], av, (m) => (e) => m(e.actor.id), "actor.id");
              else if (ak === "name") {
                add([key, ak], av, (m) => (e) => m(e.actor.attributes["name"]), "actor.name");
              } else if (ak === "attributes") {
                mapOf([key, ak], av, (e, k) => e.actor.attributes[k], "actor.attributes");
              } else {
                problems.push({
                  path: [key, ak],
                  message: `unknown key${suggest(ak, ACTOR_KEYS)} — actor matches on ${
                    ACTOR_KEYS.join(", ")
                  }`,
                });
              }
            }
            break;
          }
          default:
            problems.push({
              path: [key],
              message: `unknown key${suggest(key, EVENT_KEYS)} — event matches on ${
                EVENT_KEYS.join(", ")
              }`,
            });
        }
      }
    }
  }
  if (problems.length) return { problems };
  const ps = [...preds.filter((x) => x.cheap), ...preds.filter((x) => !x.cheap)].map((x) => x.p);
  const [p0, p1, p2] = ps;
  const fn =
    (ps.length === 0
      ? () => true
      : ps.length === 1
      ? p0!
      : ps.length === 2
      ? (e: ReactorEvent) => p0!(e) && p1!(e)
      : ps.length === 3
      ? (e: ReactorEvent) => p0!(e) && p1!(e) && p2!(e)
      : (e: ReactorEvent) => {
        for (const p of ps) if (!p(e)) return false;
        return true;
      }) as EventMatcher;
  Object.defineProperty(fn, "summary", { value: summary.length ? summary.join(" ") : "*" });
  Object.defineProperty(fn, "containerOnly", { value: containerOnly });
  return { matcher: fn, problems: [] };
}
