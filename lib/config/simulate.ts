/**
 * `reactor simulate`: feed one event through the loaded config and report which rules, handlers
 * and built-in hooks match and the exact argv each rule would run. Nothing runs unless the
 * caller executes the plan ({@link executeSimulation}).
 *
 * @module
 */
import type { ContainerInfo, ReactorEvent } from "../reactor.d.ts";
import { parseEvent, parseInspect, parseJsonExact } from "../docker/normalize.ts";
import type { HandlerContext, Hook } from "../engine/hook.ts";
import { ConfigError, errorMessage } from "../errors.ts";
import { type BuildDeps, configHooks, planRule } from "./hooks.ts";
import { renderBody } from "../webhook/render.ts";
import type { WebhookSettings } from "../webhook/settings.ts";
import type { TemplateInput } from "./template.ts";
import { WebhookDispatcher } from "../webhook/queue.ts";
import { sleep } from "../util/sleep.ts";
import type { LoadedConfig } from "./model.ts";

/** One line of the simulation. */
export interface SimulationRow {
  kind: "hook" | "rule" | "handler";
  name: string;
  matched: boolean;
  /** Rules: the exact argv. */
  argv?: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** Template keys that rendered empty. */
  emptyKeys?: string[];
  /** Rules with `webhook:`: the request (the URL's origin only: its path may hold a secret). */
  webhook?: { method: string; target: string; body?: string };
}

/** Parse an event file (Engine JSON, one object, pretty-printed or not). */
export function parseEventText(text: string, hostId: string, file = "event"): ReactorEvent {
  const t = text.trim();
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

/** Match `event` against everything in `cfg`. */
export function simulate(
  cfg: LoadedConfig,
  input: {
    event: ReactorEvent;
    container?: ContainerInfo;
    host: { id: string; name: string };
    /** The built-in hooks, made (`builtinHooks`) when they should be shown. */
    builtins?: readonly Hook[];
  },
): SimulationRow[] {
  const rows: SimulationRow[] = [];
  for (const h of input.builtins ?? []) {
    rows.push({ kind: "hook", name: h.name, matched: h.wants(input.event) });
  }
  for (const r of cfg.rules) {
    const matched = (!r.hosts || r.hosts.includes(input.event.hostId)) && r.match(input.event);
    if (!matched) {
      rows.push({ kind: "rule", name: r.name, matched });
      continue;
    }
    const tin = { event: input.event, container: input.container, host: input.host };
    const plan = planRule(r, tin);
    const w = r.webhook;
    rows.push({
      kind: "rule",
      name: r.name,
      matched,
      ...(r.run.length
        ? { argv: plan.argv, env: plan.env, cwd: plan.cwd, emptyKeys: plan.emptyKeys }
        : {}),
      ...(w ? { webhook: webhookPlan(w, { ...tin, network: r.network }) } : {}),
    });
  }
  for (const h of cfg.handlers) {
    const matched = (!h.hosts || h.hosts.includes(input.event.hostId)) && h.match(input.event);
    const w = matched ? h.webhook : undefined;
    const tin = { event: input.event, container: input.container, host: input.host };
    rows.push({
      kind: "handler",
      name: h.name,
      matched,
      ...(w ? { webhook: webhookPlan(w, tin) } : {}),
    });
  }
  return rows;
}

function webhookPlan(w: WebhookSettings, input: TemplateInput): SimulationRow["webhook"] {
  const body = w.method === "GET" ? undefined : renderBody(w.body, input);
  return { method: w.method, target: w.target, ...(body === undefined ? {} : { body }) };
}

/** Human output: one line per row, argv as a JSON array (exact, unambiguous). */
export function formatSimulation(
  rows: readonly SimulationRow[],
  ev: ReactorEvent,
  executed = false,
): string {
  const who = ev.actor.attributes["name"] ? ` ${ev.actor.attributes["name"]}` : "";
  let out = `event: ${ev.type} ${ev.rawAction}${who} (host ${ev.hostId})\n`;
  const matched = rows.filter((r) => r.matched).length;
  for (const r of rows) {
    const mark = r.matched ? "MATCH" : "-    ";
    let line = `${mark}  ${r.kind.padEnd(7)}  ${r.name}`;
    if (r.matched && r.argv) {
      line += `\n         argv: ${JSON.stringify(r.argv)}`;
      if (r.env && Object.keys(r.env).length) line += `\n         env: ${JSON.stringify(r.env)}`;
      if (r.cwd) line += `\n         cwd: ${r.cwd}`;
      if (r.emptyKeys?.length) {
        line += `\n         warning: empty value for ${
          r.emptyKeys.map((k) => `%%${k}%%`).join(", ")
        }`;
      }
    }
    if (r.matched && r.webhook) {
      line += `\n         webhook: ${r.webhook.method} ${r.webhook.target}`;
      if (r.webhook.body !== undefined) line += `\n         body: ${r.webhook.body}`;
    }
    if (r.matched && !r.argv && !r.webhook) {
      line += executed ? "" : "  (runs with --execute)";
    }
    out += line + "\n";
  }
  out += `${matched} of ${rows.length} match; ${
    executed ? "executed" : "nothing was executed (pass --execute to run)"
  }\n`;
  return out;
}

/** Result of running one matched hook for real. */
export interface ExecutionResult {
  name: string;
  ok: boolean;
  error?: string;
}

/**
 * Run every hook of `cfg` that wants `ctx.event`, in engine order, isolating failures; then wait
 * for the webhooks they queued (each delivery is one more result, `webhook:<rule>`).
 */
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
