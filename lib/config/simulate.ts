/**
 * `reactor simulate`: feed one event through the loaded config and report which rules, handlers
 * and built-in hooks match and the exact commands each would run (their `plan`). Nothing runs
 * unless the caller executes the plan ({@link executeSimulation}).
 *
 * @module
 */
import type { ContainerInfo, ReactorEvent } from "../reactor.d.ts";
import { parseEvent, parseInspect, parseJsonExact } from "../docker/normalize.ts";
import type { HandlerContext, Hook, PlanContext, PlannedStep } from "../engine/hook.ts";
import { quoteWord, shellQuote } from "../exec/shell_quote.ts";
import { ConfigError, errorMessage } from "../errors.ts";
import { type BuildDeps, configHooks, handlerHook, ruleHook } from "./hooks.ts";
import { WebhookDispatcher } from "../webhook/queue.ts";
import { sleep } from "../util/sleep.ts";
import type { LoadedConfig } from "./model.ts";

/** One line of the simulation: a hook, rule or handler, whether it matches, what it would do. */
export interface SimulationRow {
  kind: "hook" | "rule" | "handler";
  name: string;
  matched: boolean;
  /** The dry run of a matching hook (its `plan`); undefined when it cannot tell. */
  steps?: PlannedStep[];
}

/** Parse an event file (Engine JSON, one object, pretty-printed or not). */
export function parseEventText(text: string, hostId: string, file = "event"): ReactorEvent {
  const t = text.trim();
  const lines = t.split("\n").map((l) => l.trim()).filter(Boolean);
  if (lines.length > 1 && lines.every((l) => l.startsWith("{") && l.endsWith("}"))) {
    throw new ConfigError([
      `${file}: holds ${lines.length} events, one per line — pass one (e.g. \`… | tail -n 1\`)`,
    ]);
  }
  try {
    const ev = parseEvent(t, hostId);
    // A pretty-printed file is re-serialized compactly for %%payload%%.
    return t.includes("\n") ? { ...ev, raw: "" } : ev;
  } catch (err) {
    throw new ConfigError([
      `${file}: not a Docker event: ${
        errorMessage(err)
      } — pass Engine JSON as printed by \`docker events --format '{{json .}}'\``,
    ]);
  }
}

/** Parse a container file (`docker inspect` output: an object or a one-element list). */
export function parseContainerText(
  text: string,
  hostId: string,
  file = "container",
): ContainerInfo {
  try {
    let v = parseJsonExact(text);
    if (Array.isArray(v)) v = v[0];
    return parseInspect(v, hostId);
  } catch (err) {
    throw new ConfigError([
      `${file}: not a container inspect: ${
        errorMessage(err)
      } — pass the output of \`docker inspect <container>\``,
    ]);
  }
}

/** Match `event` against everything in `cfg` and plan what each match would run. */
export async function simulate(
  cfg: LoadedConfig,
  input: PlanContext & {
    /** The built-in hooks, made (`builtinHooks`) when they should be shown. */
    builtins?: readonly Hook[];
  },
): Promise<SimulationRow[]> {
  const all: [SimulationRow["kind"], string, Hook][] = [
    ...(input.builtins ?? []).map((h) =>
      ["hook", h.name, h] as [SimulationRow["kind"], string, Hook]
    ),
    ...cfg.rules.map((r) => ["rule", r.name, ruleHook(r)] as [SimulationRow["kind"], string, Hook]),
    ...cfg.handlers.map((h) =>
      ["handler", h.name, handlerHook(h)] as [SimulationRow["kind"], string, Hook]
    ),
  ];
  const ctx: PlanContext = { event: input.event, container: input.container, host: input.host };
  const rows: SimulationRow[] = [];
  for (const [kind, name, hook] of all) {
    let matched: boolean;
    try {
      matched = hook.wants(input.event);
    } catch (err) {
      rows.push({
        kind,
        name,
        matched: true,
        steps: [{ warning: `filter failed: ${errorMessage(err)}` }],
      });
      continue;
    }
    if (!matched || !hook.plan) {
      rows.push({ kind, name, matched });
      continue;
    }
    try {
      rows.push({ kind, name, matched, steps: await hook.plan(ctx) });
    } catch (err) {
      rows.push({ kind, name, matched, steps: [{ warning: `cannot plan: ${errorMessage(err)}` }] });
    }
  }
  return rows;
}

const INDENT = " ".repeat(9);

function formatStep(st: PlannedStep): string {
  let out = "";
  if (st.argv) {
    out += `${INDENT}$ ${shellQuote(st.argv)}${st.note ? `   # ${st.note}` : ""}\n`;
    if (st.env && Object.keys(st.env).length) {
      out += `${INDENT}  env: ${
        Object.entries(st.env).map(([k, v]) => `${k}=${quoteWord(v)}`).join(" ")
      }\n`;
    }
    if (st.cwd) out += `${INDENT}  cwd: ${quoteWord(st.cwd)}\n`;
  } else if (st.note) out += `${INDENT}# ${st.note}\n`;
  if (st.warning) out += `${INDENT}warning: ${st.warning}\n`;
  return out;
}

/**
 * Human output: one line per hook, rule and handler; under each match the commands it would run
 * (shell-quoted, exactly the argv), their environment and working directory, and warnings.
 */
export function formatSimulation(
  rows: readonly SimulationRow[],
  ev: ReactorEvent,
  opts: { executed?: boolean; container?: string } = {},
): string {
  const who = ev.actor.attributes["name"] ? ` ${ev.actor.attributes["name"]}` : "";
  let out = `event: ${ev.type} ${ev.rawAction}${who} (host ${ev.hostId})\n`;
  if (opts.container) out += `container: ${opts.container}\n`;
  const matched = rows.filter((r) => r.matched).length;
  for (const r of rows) {
    const mark = r.matched ? "MATCH" : "-    ";
    out += `${mark}  ${r.kind.padEnd(7)}  ${r.name}`;
    if (r.matched && r.steps === undefined && !opts.executed) out += "  (runs with --execute)";
    out += "\n";
    if (r.matched) { for (const st of r.steps ?? []) out += formatStep(st); }
  }
  out += `${matched} of ${rows.length} match; ${
    opts.executed ? "executed" : "nothing was executed (pass --execute to run)"
  }\n`;
  return out;
}

/** Result of running one matched hook for real. */
export interface ExecutionResult {
  name: string;
  ok: boolean;
  error?: string;
}

/** Run every hook of `cfg` that wants `ctx.event`, in engine order, isolating failures. */
export async function executeSimulation(
  cfg: LoadedConfig,
  ctx: HandlerContext,
  deps: BuildDeps,
  timeoutMs = 60_000,
): Promise<ExecutionResult[]> {
  const results: ExecutionResult[] = [];
  const webhooks = new WebhookDispatcher({
    log: deps.log,
    onOutcome: (o) =>
      results.push({
        name: `webhook:${o.rule}`,
        ok: o.outcome === "ok",
        ...(o.outcome === "ok" ? {} : { error: o.error ?? o.outcome }),
      }),
  });
  try {
    await runMatching(configHooks(cfg, { ...deps, webhooks }), ctx, timeoutMs, results);
    const done = new AbortController();
    await Promise.race([webhooks.idle(), sleep(timeoutMs, done.signal)]);
    done.abort();
  } finally {
    await webhooks.close();
  }
  return results;
}

async function runMatching(
  hooks: Hook[],
  ctx: HandlerContext,
  timeoutMs: number,
  results: ExecutionResult[],
): Promise<void> {
  for (const hook of hooks) {
    if (!hook.wants(ctx.event)) continue;
    const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(hook.timeoutMs ?? timeoutMs)]);
    try {
      await hook.handle({ ...ctx, signal });
      results.push({ name: hook.name, ok: true });
    } catch (err) {
      results.push({ name: hook.name, ok: false, error: errorMessage(err) });
    }
  }
}

/** The built-in hooks of a loaded config, as the daemon would make them. */
export function builtinHooks(cfg: LoadedConfig, deps: BuildDeps): Hook[] {
  return cfg.hooks.flatMap((c) => c.settings === false ? [] : c.hook.create(c.settings, deps));
}
