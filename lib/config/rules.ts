/**
 * One YAML rule (`events_reactor.<name>`): an event matcher plus an argv to run and/or a webhook
 * to send, validated with the config toolkit (every problem is `file:line:col: field: what —
 * fix`).
 *
 * @module
 */
import { Fields } from "./fields.ts";
import { compileMatch } from "./match.ts";
import type { RuleSpec } from "./model.ts";
import { type FieldPath, isMap, kind, type Problems } from "./problems.ts";
import { parseTemplate, type Template } from "./template.ts";
import { validateWebhook, type WebhookSettings } from "../webhook/settings.ts";

/** Keys of a YAML rule. */
export const RULE_KEYS: readonly string[] = [
  "event",
  "run",
  "webhook",
  "network",
  "hosts",
  "timeout",
  "retries",
  "backoff",
  "env",
  "cwd",
  "debounce",
];
/** Default retry backoff. */
export const DEFAULT_BACKOFF_MS = 1000;

/** A `hosts:` list of host ids (rules and TS handlers). */
export function hostIds(f: Fields, key: string): string[] | undefined {
  const v = f.raw(key);
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length === 0 || v.some((h) => typeof h !== "string" || !h)) {
    f.problem(
      key,
      `expected a non-empty list of host ids, got ${kind(v)} — e.g. hosts: [local, edge-1]`,
    );
    return undefined;
  }
  return v as string[];
}

/** One `%%key%%` template (an argv element or an env value). */
export function template(
  p: Problems,
  path: FieldPath,
  v: unknown,
  what: string,
): Template | undefined {
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

function runArgv(f: Fields): Template[] {
  const run: Template[] = [];
  const rv = f.raw("run");
  if (rv === undefined) {
    if (!f.has("webhook")) {
      f.problems.add(
        f.path,
        `missing run: — add run: ["program", "arg", …] (argv, no shell) or webhook: { url: … }`,
        { key: true },
      );
    }
  } else if (typeof rv === "string") {
    f.problem(
      "run",
      `must be a list of argv strings, not one string — write run: [${
        rv.split(/\s+/).filter(Boolean).map((s) => JSON.stringify(s)).join(", ")
      }] (no shell is used)`,
    );
  } else if (!Array.isArray(rv)) {
    f.problem(
      "run",
      `must be a list of argv strings, got ${kind(rv)} — write run: ["program", "arg"]`,
    );
  } else if (rv.length === 0) {
    f.problem("run", `is empty — give at least the program: run: ["program"]`);
  } else {
    rv.forEach((a, i) => {
      const t = template(f.problems, [...f.at("run"), i], a, "an argv element");
      if (t) run.push(t);
    });
    if (typeof rv[0] === "string" && rv[0].trim() === "") {
      f.problems.add(
        [...f.at("run"), 0],
        `the program name is empty — put the program first in run:`,
      );
    }
  }
  return run;
}

function envTemplates(f: Fields): [string, Template][] {
  const env: [string, Template][] = [];
  const e = f.map("env", { expected: "a map of NAME: value", hint: "e.g. env: { MODE: prod }" });
  for (const [k, v] of Object.entries(e?.value ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) {
      f.problems.add(
        [...f.at("env"), k],
        `invalid environment variable name — use letters, digits and _`,
        { key: true },
      );
      continue;
    }
    const t = template(f.problems, [...f.at("env"), k], v, "an env value");
    if (t) env.push([k, t]);
  }
  return env;
}

/** A rule's `webhook:` block (problems at their field; warnings returned for the log). */
export function webhookBlock(
  f: Fields,
  key = "webhook",
): { settings: WebhookSettings; warnings: string[] } | undefined {
  const raw = f.raw(key);
  if (raw === undefined) return undefined;
  const r = validateWebhook(raw);
  if ("problems" in r) {
    for (const p of r.problems) {
      f.problems.add([...f.at(key), ...p.path], p.message, {
        key: p.message.startsWith("unknown key"),
      });
    }
    return undefined;
  }
  return { settings: r.settings, warnings: r.warnings.map((w) => w.message) };
}

/** Validate one rule; undefined (problems reported) when invalid. */
export function validateRule(p: Problems, name: string, rule: unknown): RuleSpec | undefined {
  const path = ["events_reactor", name];
  if (!isMap(rule) || typeof rule === "function") {
    p.add(
      path,
      `a rule must be a map with run: [argv] (and optional event: …), got ${kind(rule)} — ` +
        `indent run: under the rule name`,
    );
    return undefined;
  }
  const f = new Fields(p, path, rule);
  const before = p.count;
  f.only(RULE_KEYS, "a rule");
  const run = runArgv(f);
  const webhook = webhookBlock(f);
  const m = compileMatch(f.raw("event"));
  for (const mp of m.problems) {
    p.add([...path, "event", ...mp.path], mp.message, {
      key: mp.message.startsWith("unknown key"),
    });
  }
  const network = f.string("network", {
    expected: "a network name",
    hint: "e.g. network: bridge",
  });
  const hosts = hostIds(f, "hosts");
  const timeoutMs = f.duration("timeout", { positive: true });
  const backoffMs = f.duration("backoff") ?? DEFAULT_BACKOFF_MS;
  const debounceMs = f.duration("debounce", { positive: true });
  const retries = f.int("retries", { min: 0, max: 100, hint: "e.g. retries: 3" }) ?? 0;
  const env = envTemplates(f);
  const cwd = f.string("cwd", {
    pattern: /^\//,
    expected: "an absolute directory path",
    hint: "e.g. cwd: /srv/app",
  });
  if (p.count > before || !m.matcher) return undefined;
  return {
    kind: "rule",
    name,
    origin: p.locate(path, { key: true }),
    match: m.matcher,
    run,
    webhook: webhook?.settings,
    warnings: webhook?.warnings ?? [],
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
