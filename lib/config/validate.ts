/**
 * Shape checks of a whole config document, shared by `reactor.yaml` and `reactor.config.ts`:
 * rules (`rules.ts`), TS handlers (`handlers.ts`), the raw settings of built-in hooks (validated
 * by each hook's descriptor once all files are merged) and the raw `docker:` section (validated
 * by the hosts code). Every problem is one line `<where>: <field path>: <what> — <fix>`.
 *
 * @module
 */
import type { BuiltinHook } from "./builtin.ts";
import { HANDLER_KEYS, validateHandlers } from "./handlers.ts";
import type { ConfigPart } from "./model.ts";
import { isMap, kind, type Problems } from "./problems.ts";
import { validateRule } from "./rules.ts";

/** A part with nothing in it. */
export function emptyPart(): ConfigPart {
  return { rules: [], handlers: [], hooks: {} };
}

/** Hooks whose settings sit under `hooks:` and those with a top-level key of their own. */
function hookKeys(registry: readonly BuiltinHook[]) {
  const nested = registry.filter((h) => !h.path).map((h) => h.name);
  const top = registry.filter((h) => h.path?.length === 1).map((h) =>
    [String(h.path![0]), h] as const
  );
  return { nested, top: new Map(top) };
}

/** The `hooks:` section: raw settings by hook name (`false` = off, `{}` = defaults). */
function hooksSection(
  p: Problems,
  v: unknown,
  names: readonly string[],
  into: Record<string, unknown>,
): void {
  if (!isMap(v) || typeof v === "function") {
    p.add(
      ["hooks"],
      `expected a map of built-in hook settings, got ${kind(v)} — e.g. hooks: { labels: false }`,
    );
    return;
  }
  for (const [name, s] of Object.entries(v)) {
    if (!names.includes(name)) p.unknownKey(["hooks"], name, names, "hooks");
    else if (s !== undefined) into[name] = s;
  }
}

/** Validate a parsed `reactor.yaml`. */
export function validateYaml(
  value: unknown,
  p: Problems,
  registry: readonly BuiltinHook[],
): ConfigPart {
  const part = emptyPart();
  const keys = hookKeys(registry);
  const topKeys = ["events_reactor", "hooks", "docker", ...keys.top.keys()];
  if (value === null || value === undefined) {
    p.add(
      [],
      `the file is empty — add an events_reactor: map of rules (see examples/reactor.yaml)`,
    );
    return part;
  }
  if (!isMap(value)) {
    p.add([], `the top level must be a map (${topKeys.join(":, ")}:), got ${kind(value)}`);
    return part;
  }
  for (const [k, v] of Object.entries(value)) {
    if (k === "events_reactor") {
      if (v === null || v === undefined) {
        p.add([k], `is empty — add rules under it, or remove the key`, { key: true });
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
    } else if (k === "hooks") hooksSection(p, v, keys.nested, part.hooks);
    else if (k === "docker") part.docker = v;
    else if (keys.top.has(k)) part.hooks[keys.top.get(k)!.name] = v;
    else if (k.startsWith("x-")) continue; // extension fields: a place for &anchors
    else p.unknownKey([], k, topKeys, "reactor.yaml");
  }
  return part;
}

/** Validate the value a `reactor.config.ts` default-exports (after calling it if a function). */
export function validateTs(
  value: unknown,
  p: Problems,
  file: string,
  registry: readonly BuiltinHook[],
): ConfigPart {
  const part = emptyPart();
  const keys = hookKeys(registry);
  const topKeys = ["hooks", ...HANDLER_KEYS, "hosts", "docker", ...keys.top.keys()];
  if (!isMap(value) || typeof value === "function") {
    p.add(
      [],
      `the default export must be a config object or a function returning one, got ${
        kind(value)
      } — write export default { onStart: (c, ctx) => {…} } satisfies Config`,
    );
    return part;
  }
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    if (k === "hooks") hooksSection(p, v, keys.nested, part.hooks);
    else if (k === "docker" || k === "hosts") {
      if (part.docker !== undefined) {
        p.add([k], `set either hosts: or docker: { hosts: … }, not both — keep one`);
      } else part.docker = k === "hosts" ? { hosts: v } : v;
    } else if (HANDLER_KEYS.includes(k)) part.handlers.push(...validateHandlers(p, file, k, v));
    else if (keys.top.has(k)) part.hooks[keys.top.get(k)!.name] = v;
    else p.unknownKey([], k, topKeys, "the config");
  }
  return part;
}
