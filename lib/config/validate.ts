/**
 * Shape checks shared by `reactor.yaml` and `reactor.config.ts`. Every problem is one line:
 * `<where>: <field path>: <what is wrong> — <how to fix it>`, where `<where>` is `file:line:col`
 * for YAML and the file for TypeScript.
 *
 * @module
 */
import type { ReactorEvent } from "../reactor.d.ts";
import { kind, parseDuration } from "./duration.ts";
import { compileMatch, type EventMatcher, suggest } from "./match.ts";
import type { BuiltinSettings, ConfigPart, HandlerKey, HandlerSpec, RuleSpec } from "./model.ts";
import { parseTemplate, type Template } from "./template.ts";
import type { EventHandler } from "../reactor.d.ts";

/** A field path: keys and list indexes. */
export type FieldPath = readonly (string | number)[];

/** Maps a field path to a location prefix (`file:line:col` or `file`). */
export type Locate = (path: FieldPath, opts?: { key?: boolean }) => string;

/** Render `events_reactor["My rule"].run[2]`. */
export function formatPath(path: FieldPath): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** Keys of a YAML rule. */
export const RULE_KEYS: readonly string[] = [
  "event",
  "run",
  "network",
  "hosts",
  "timeout",
  "retries",
  "backoff",
  "env",
  "cwd",
  "debounce",
];
const YAML_TOP_KEYS = ["events_reactor", "hooks", "docker"];
const LIFECYCLE: Record<string, { action: string; health?: string }> = {
  onCreate: { action: "create" },
  onStart: { action: "start" },
  onStop: { action: "stop" },
  onDie: { action: "die" },
  onDestroy: { action: "destroy" },
  onHealthy: { action: "health_status", health: "healthy" },
  onUnhealthy: { action: "health_status", health: "unhealthy" },
};
const TS_TOP_KEYS = ["hooks", ...Object.keys(LIFECYCLE), "onEvent", "on", "hosts", "docker"];
const HANDLER_OPTION_KEYS = ["run", "name", "hosts", "timeout"];
const ON_KEYS = ["match", ...HANDLER_OPTION_KEYS];
/** Built-in hook names and their settings keys. */
export const BUILTIN_HOOKS: Readonly<Record<string, readonly string[]>> = {
  labels: ["prefix", "hostRoutes"],
  scripts: ["dir", "timeout"],
};
/** Default retry backoff. */
export const DEFAULT_BACKOFF_MS = 1000;

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof RegExp) &&
    typeof v !== "function";
}

/** Collects problems with their locations. */
class Problems {
  readonly list: string[] = [];
  constructor(readonly locate: Locate) {}
  add(path: FieldPath, message: string, key = false): void {
    const where = this.locate(path, { key });
    this.list.push(
      path.length ? `${where}: ${formatPath(path)}: ${message}` : `${where}: ${message}`,
    );
  }
  unknownKey(path: FieldPath, key: string, known: readonly string[], what: string): void {
    this.add(
      [...path, key],
      `unknown key${suggest(key, known)} — ${what} takes ${known.join(", ")}`,
      true,
    );
  }
}

function matcherOf(pred: (e: ReactorEvent) => boolean, summary: string): EventMatcher {
  const fn = ((e: ReactorEvent) => pred(e)) as EventMatcher;
  Object.defineProperty(fn, "summary", { value: summary });
  return fn;
}

function duration(p: Problems, path: FieldPath, v: unknown, positive: boolean): number | undefined {
  const d = parseDuration(v);
  if (typeof d !== "number") {
    p.add(path, d.error);
    return undefined;
  }
  if (positive && d <= 0) {
    p.add(path, `must be greater than zero — e.g. "30s", or remove it for the default`);
    return undefined;
  }
  return d;
}

function hostList(p: Problems, path: FieldPath, v: unknown): string[] | undefined {
  if (!Array.isArray(v) || v.length === 0 || v.some((h) => typeof h !== "string" || !h)) {
    p.add(
      path,
      `expected a non-empty list of host ids, got ${kind(v)} — e.g. hosts: [local, edge-1]`,
    );
    return undefined;
  }
  return v as string[];
}

function template(p: Problems, path: FieldPath, v: unknown, what: string): Template | undefined {
  if (typeof v !== "string") {
    p.add(
      path,
      `${what} must be a string, got ${kind(v)}${
        typeof v === "number" || typeof v === "boolean" ? ` — quote it: "${String(v)}"` : ""
      }`,
    );
    return undefined;
  }
  const t = parseTemplate(v);
  if ("error" in t) {
    p.add(path, t.error);
    return undefined;
  }
  return t;
}

function validateRule(
  p: Problems,
  name: string,
  rule: unknown,
): RuleSpec | undefined {
  const path = ["events_reactor", name];
  if (!isMap(rule)) {
    p.add(
      path,
      `a rule must be a map with run: [argv] (and optional event: …), got ${kind(rule)} — ` +
        `indent run: under the rule name`,
    );
    return undefined;
  }
  const before = p.list.length;
  for (const k of Object.keys(rule)) {
    if (!RULE_KEYS.includes(k)) p.unknownKey(path, k, RULE_KEYS, "a rule");
  }
  const run: Template[] = [];
  const rv = rule["run"];
  if (rv === undefined || rv === null) {
    p.add(path, `missing run: — add run: ["program", "arg", …] (argv, no shell)`, true);
  } else if (typeof rv === "string") {
    p.add(
      [...path, "run"],
      `must be a list of argv strings, not one string — write run: [${
        rv.split(/\s+/).filter(Boolean).map((s) => JSON.stringify(s)).join(", ")
      }] (no shell is used)`,
    );
  } else if (!Array.isArray(rv)) {
    p.add(
      [...path, "run"],
      `must be a list of argv strings, got ${kind(rv)} — write run: ["program", "arg"]`,
    );
  } else if (rv.length === 0) {
    p.add([...path, "run"], `is empty — give at least the program: run: ["program"]`);
  } else {
    rv.forEach((a, i) => {
      const t = template(p, [...path, "run", i], a, "an argv element");
      if (t) run.push(t);
    });
    if (typeof rv[0] === "string" && rv[0].trim() === "") {
      p.add([...path, "run", 0], `the program name is empty — put the program first in run:`);
    }
  }
  const m = compileMatch(rule["event"]);
  for (const mp of m.problems) {
    p.add([...path, "event", ...mp.path], mp.message, mp.message.startsWith("unknown key"));
  }
  let network: string | undefined;
  if (rule["network"] !== undefined) {
    if (typeof rule["network"] !== "string" || !rule["network"]) {
      p.add(
        [...path, "network"],
        `expected a network name, got ${kind(rule["network"])} — e.g. network: bridge`,
      );
    } else network = rule["network"];
  }
  const hosts = rule["hosts"] === undefined
    ? undefined
    : hostList(p, [...path, "hosts"], rule["hosts"]);
  const timeoutMs = rule["timeout"] === undefined
    ? undefined
    : duration(p, [...path, "timeout"], rule["timeout"], true);
  const backoffMs = rule["backoff"] === undefined
    ? DEFAULT_BACKOFF_MS
    : duration(p, [...path, "backoff"], rule["backoff"], false) ?? DEFAULT_BACKOFF_MS;
  const debounceMs = rule["debounce"] === undefined
    ? undefined
    : duration(p, [...path, "debounce"], rule["debounce"], true);
  let retries = 0;
  if (rule["retries"] !== undefined) {
    const r = rule["retries"];
    if (typeof r !== "number" || !Number.isInteger(r) || r < 0 || r > 100) {
      p.add(
        [...path, "retries"],
        `expected a whole number from 0 to 100, got ${kind(r)} — e.g. retries: 3`,
      );
    } else retries = r;
  }
  const env: [string, Template][] = [];
  if (rule["env"] !== undefined) {
    const e = rule["env"];
    if (!isMap(e)) {
      p.add(
        [...path, "env"],
        `expected a map of NAME: value, got ${kind(e)} — e.g. env: { MODE: prod }`,
      );
    } else {
      for (const [k, v] of Object.entries(e)) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) {
          p.add(
            [...path, "env", k],
            `invalid environment variable name — use letters, digits and _`,
            true,
          );
          continue;
        }
        const t = template(p, [...path, "env", k], v, "an env value");
        if (t) env.push([k, t]);
      }
    }
  }
  let cwd: string | undefined;
  if (rule["cwd"] !== undefined) {
    const c = rule["cwd"];
    if (typeof c !== "string" || !c.startsWith("/")) {
      p.add(
        [...path, "cwd"],
        `expected an absolute directory path, got ${kind(c)} — e.g. cwd: /srv/app`,
      );
    } else cwd = c;
  }
  if (p.list.length > before || !m.matcher) return undefined;
  return {
    kind: "rule",
    name,
    origin: p.locate(path, { key: true }),
    match: m.matcher,
    run,
    env,
    cwd,
    network,
    hosts,
    timeoutMs,
    retries,
    backoffMs,
    debounceMs,
  };
}

function validateHooks(p: Problems, v: unknown): Partial<BuiltinSettings> {
  const out: Partial<BuiltinSettings> = {};
  if (!isMap(v)) {
    p.add(
      ["hooks"],
      `expected a map of built-in hook settings, got ${kind(v)} — e.g. hooks: { labels: false }`,
    );
    return out;
  }
  const names = Object.keys(BUILTIN_HOOKS);
  for (const [name, s] of Object.entries(v)) {
    const keys = BUILTIN_HOOKS[name];
    if (!keys) {
      p.unknownKey(["hooks"], name, names, "hooks");
      continue;
    }
    if (s === false) {
      out[name as keyof BuiltinSettings] = false;
      continue;
    }
    if (s === true || s === null) { // `labels:` with nothing under it: on, defaults
      out[name as keyof BuiltinSettings] = {};
      continue;
    }
    if (!isMap(s)) {
      p.add(
        ["hooks", name],
        `expected true, false or a map of settings (${keys.join(", ")}), got ${kind(s)}`,
      );
      continue;
    }
    const settings: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(s)) {
      if (!keys.includes(k)) {
        p.unknownKey(["hooks", name], k, keys, `hooks.${name}`);
        continue;
      }
      if (k === "hostRoutes") {
        if (val === true || val === false) settings[k] = val ? "allow" : "deny";
        else if (typeof val === "string" && /^(allow|deny|label:[^=\s]+=\S*)$/.test(val)) {
          settings[k] = val;
        } else {
          p.add(
            ["hooks", name, k],
            `expected true, false, "allow", "deny" or "label:<key>=<value>", got ${kind(val)}`,
          );
        }
      } else if (k === "timeout") {
        const d = duration(p, ["hooks", name, k], val, true);
        if (d !== undefined) settings["timeoutMs"] = d;
      } else if ((k === "prefix" || k === "dir") && (typeof val !== "string" || !val)) {
        p.add(["hooks", name, k], `expected a non-empty string, got ${kind(val)}`);
      } else if (k === "dir" && !(val as string).startsWith("/")) {
        p.add(["hooks", name, k], `expected an absolute path — e.g. dir: /etc/reactor/scripts`);
      } else settings[k] = val;
    }
    (out as Record<string, unknown>)[name] = settings;
  }
  return out;
}

/** Validate a parsed `reactor.yaml`. */
export function validateYaml(
  value: unknown,
  locate: Locate,
): { part: ConfigPart; problems: string[] } {
  const p = new Problems(locate);
  const part: ConfigPart = { rules: [], handlers: [], builtins: {} };
  if (value === null || value === undefined) {
    p.add(
      [],
      `the file is empty — add an events_reactor: map of rules (see examples/reactor.yaml)`,
    );
    return { part, problems: p.list };
  }
  if (!isMap(value)) {
    p.add([], `the top level must be a map (events_reactor:, hooks:, docker:), got ${kind(value)}`);
    return { part, problems: p.list };
  }
  for (const [k, v] of Object.entries(value)) {
    if (k === "events_reactor") {
      if (v === null || v === undefined) {
        p.add([k], `is empty — add rules under it, or remove the key`, true);
      } else if (Array.isArray(v)) {
        p.add(
          [k],
          `must be a map from rule name to { event, run }, not a list — write "My rule:" then run: […] under it (drop the "- ")`,
        );
      } else if (!isMap(v)) {
        p.add([k], `must be a map from rule name to { event, run }, got ${kind(v)}`);
      } else {
        for (const [name, rule] of Object.entries(v)) {
          const r = validateRule(p, name, rule);
          if (r) part.rules.push(r);
        }
      }
    } else if (k === "hooks") part.builtins = validateHooks(p, v);
    else if (k === "docker") part.docker = v;
    else if (k.startsWith("x-")) continue; // extension fields: a place for &anchors
    else p.unknownKey([], k, YAML_TOP_KEYS, "reactor.yaml");
  }
  return { part, problems: p.list };
}

function handlerSpec(
  p: Problems,
  file: string,
  path: FieldPath,
  key: HandlerKey,
  v: unknown,
  match: EventMatcher,
  needsContainer: boolean,
  allowed: readonly string[],
): HandlerSpec | undefined {
  const origin = `${file}: ${formatPath(path)}`;
  if (typeof v === "function") {
    return {
      kind: "handler",
      name: key === "on" ? formatPath(path) : key,
      origin,
      key,
      match,
      needsContainer,
      run: v as EventHandler,
    };
  }
  if (!isMap(v)) {
    p.add(
      path,
      `expected a function (container, ctx) => … or { run: function, … }, got ${kind(v)}`,
    );
    return undefined;
  }
  const before = p.list.length;
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k)) p.unknownKey(path, k, allowed, formatPath(path));
  }
  if (typeof v["run"] !== "function") {
    p.add([...path, "run"], `expected a function (container, ctx) => …, got ${kind(v["run"])}`);
  }
  if (v["name"] !== undefined && (typeof v["name"] !== "string" || !v["name"])) {
    p.add([...path, "name"], `expected a non-empty string, got ${kind(v["name"])}`);
  }
  const hosts = v["hosts"] === undefined ? undefined : hostList(p, [...path, "hosts"], v["hosts"]);
  const timeoutMs = v["timeout"] === undefined
    ? undefined
    : duration(p, [...path, "timeout"], v["timeout"], true);
  if (p.list.length > before) return undefined;
  return {
    kind: "handler",
    name: (v["name"] as string | undefined) ?? (key === "on" ? formatPath(path) : key),
    origin,
    key,
    match,
    needsContainer,
    hosts,
    timeoutMs,
    run: v["run"] as EventHandler,
  };
}

/** The matcher of a lifecycle handler key (`onStart`, `onHealthy`, …). */
export function lifecycleMatcher(key: string): EventMatcher | undefined {
  const l = LIFECYCLE[key];
  if (!l) return undefined;
  return matcherOf(
    (e) =>
      e.type === "container" && e.action === l.action && (!l.health || e.healthStatus === l.health),
    `type=container action=${l.action}${l.health ? ` health=${l.health}` : ""}`,
  );
}

/** Validate the value a `reactor.config.ts` default-exports (after calling it if a function). */
export function validateTs(value: unknown, file: string): { part: ConfigPart; problems: string[] } {
  const p = new Problems(() => file);
  const part: ConfigPart = { rules: [], handlers: [], builtins: {} };
  if (!isMap(value)) {
    p.add(
      [],
      `the default export must be a config object or a function returning one, got ${
        kind(value)
      } — ` +
        `write export default { onStart: (c, ctx) => {…} } satisfies Config`,
    );
    return { part, problems: p.list };
  }
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    if (k === "hooks") part.builtins = validateHooks(p, v);
    else if (k === "docker" || k === "hosts") {
      if (part.docker !== undefined) {
        p.add([k], `set either hosts: or docker: { hosts: … }, not both — keep one`);
      } else part.docker = k === "hosts" ? { hosts: v } : v;
    } else if (k in LIFECYCLE) {
      const h = handlerSpec(
        p,
        file,
        [k],
        k as HandlerKey,
        v,
        lifecycleMatcher(k)!,
        true,
        HANDLER_OPTION_KEYS,
      );
      if (h) part.handlers.push(h);
    } else if (k === "onEvent") {
      const h = handlerSpec(
        p,
        file,
        [k],
        "onEvent",
        v,
        matcherOf(() => true, "*"),
        false,
        HANDLER_OPTION_KEYS,
      );
      if (h) part.handlers.push(h);
    } else if (k === "on") {
      if (!Array.isArray(v)) {
        p.add(
          [k],
          `expected a list of { match, run }, got ${
            kind(v)
          } — e.g. on: [{ match: { action: "start" }, run: (c, ctx) => {…} }]`,
        );
        continue;
      }
      v.forEach((entry, i) => {
        if (!isMap(entry)) {
          p.add([k, i], `expected { match: {…}, run: (container, ctx) => … }, got ${kind(entry)}`);
          return;
        }
        const m = compileMatch(entry["match"]);
        for (const mp of m.problems) p.add([k, i, "match", ...mp.path], mp.message);
        if (!m.matcher) return;
        const h = handlerSpec(p, file, [k, i], "on", entry, m.matcher, false, ON_KEYS);
        if (h) part.handlers.push(h);
      });
    } else p.unknownKey([], k, TS_TOP_KEYS, "the config");
  }
  return { part, problems: p.list };
}
