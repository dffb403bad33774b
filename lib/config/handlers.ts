/**
 * The handlers of a `reactor.config.ts` (`onStart`, …, `onEvent`, `on: [{ match, run }]`),
 * validated with the config toolkit into {@link HandlerSpec}s.
 *
 * @module
 */
import type { EventHandler, ReactorEvent } from "../reactor.d.ts";
import { Fields } from "./fields.ts";
import { compileMatch, type EventMatcher } from "./match.ts";
import type { HandlerKey, HandlerSpec } from "./model.ts";
import { type FieldPath, formatPath, isMap, kind, type Problems } from "./problems.ts";
import { hostIds, webhookBlock } from "./rules.ts";

/** Lifecycle handler keys and the events they take. */
export const LIFECYCLE: Readonly<Record<string, { action: string; health?: string }>> = {
  onCreate: { action: "create" },
  onStart: { action: "start" },
  onStop: { action: "stop" },
  onDie: { action: "die" },
  onDestroy: { action: "destroy" },
  onHealthy: { action: "health_status", health: "healthy" },
  onUnhealthy: { action: "health_status", health: "unhealthy" },
};
const HANDLER_OPTION_KEYS = ["run", "webhook", "name", "hosts", "timeout"];
const ON_KEYS = ["match", ...HANDLER_OPTION_KEYS];

function matcherOf(
  pred: (e: ReactorEvent) => boolean,
  summary: string,
  containerOnly: boolean,
): EventMatcher {
  const fn = ((e: ReactorEvent) => pred(e)) as EventMatcher;
  Object.defineProperty(fn, "summary", { value: summary });
  Object.defineProperty(fn, "containerOnly", { value: containerOnly });
  return fn;
}

/** The matcher of a lifecycle handler key (`onStart`, `onHealthy`, …). */
export function lifecycleMatcher(key: string): EventMatcher | undefined {
  const l = LIFECYCLE[key];
  if (!l) return undefined;
  return matcherOf(
    (e) =>
      e.type === "container" && e.action === l.action && (!l.health || e.healthStatus === l.health),
    `type=container action=${l.action}${l.health ? ` health=${l.health}` : ""}`,
    true,
  );
}

function handlerSpec(
  p: Problems,
  file: string,
  path: FieldPath,
  key: HandlerKey,
  v: unknown,
  match: EventMatcher,
  allowed: readonly string[],
): HandlerSpec | undefined {
  const origin = `${file}: ${formatPath(path)}`;
  const base = {
    kind: "handler" as const,
    origin,
    key,
    match,
    needsContainer: key !== "on" && key !== "onEvent",
  };
  if (typeof v === "function") {
    return { ...base, name: key === "on" ? formatPath(path) : key, run: v as EventHandler };
  }
  if (!isMap(v)) {
    p.add(
      path,
      `expected a function (container, ctx) => … or { run: function, … }, got ${kind(v)}`,
    );
    return undefined;
  }
  const f = new Fields(p, path, v);
  const before = p.count;
  f.only(allowed, formatPath(path));
  const webhook = webhookBlock(f);
  if (typeof v["run"] !== "function" && (v["run"] !== undefined || !f.has("webhook"))) {
    f.problem(
      "run",
      `expected a function (container, ctx) => …, got ${kind(v["run"])}${
        v["run"] === undefined ? " — or give webhook: { url: … }" : ""
      }`,
    );
  }
  const name = f.string("name", { expected: "a non-empty string" });
  const hosts = hostIds(f, "hosts");
  const timeoutMs = f.duration("timeout", { positive: true });
  if (p.count > before) return undefined;
  return {
    ...base,
    name: name ?? (key === "on" ? formatPath(path) : key),
    hosts,
    timeoutMs,
    ...(typeof v["run"] === "function" ? { run: v["run"] as EventHandler } : {}),
    ...(webhook ? { webhook: webhook.settings, warnings: webhook.warnings } : {}),
  };
}

/** Validate one handler key of a TS config (`onStart`, `onEvent` or `on`). */
export function validateHandlers(
  p: Problems,
  file: string,
  key: string,
  v: unknown,
): HandlerSpec[] {
  if (key in LIFECYCLE) {
    const h = handlerSpec(
      p,
      file,
      [key],
      key as HandlerKey,
      v,
      lifecycleMatcher(key)!,
      HANDLER_OPTION_KEYS,
    );
    return h ? [h] : [];
  }
  if (key === "onEvent") {
    const h = handlerSpec(
      p,
      file,
      [key],
      "onEvent",
      v,
      matcherOf(() => true, "*", false),
      HANDLER_OPTION_KEYS,
    );
    return h ? [h] : [];
  }
  if (!Array.isArray(v)) {
    p.add(
      [key],
      `expected a list of { match, run }, got ${
        kind(v)
      } — e.g. on: [{ match: { action: "start" }, run: (c, ctx) => {…} }]`,
    );
    return [];
  }
  const out: HandlerSpec[] = [];
  v.forEach((entry, i) => {
    if (!isMap(entry)) {
      p.add([key, i], `expected { match: {…}, run: (container, ctx) => … }, got ${kind(entry)}`);
      return;
    }
    const m = compileMatch(entry["match"]);
    for (const mp of m.problems) p.add([key, i, "match", ...mp.path], mp.message);
    if (!m.matcher) return;
    const h = handlerSpec(p, file, [key, i], "on", entry, m.matcher, ON_KEYS);
    if (h) out.push(h);
  });
  return out;
}

/** The handler keys a TS config may set. */
export const HANDLER_KEYS: readonly string[] = [...Object.keys(LIFECYCLE), "onEvent", "on"];
