/**
 * Loaded config → engine {@link Hook}s. A YAML rule becomes a hook that renders its argv per
 * element and runs it through `ctx.exec` (never a shell); a TS handler becomes a hook that calls
 * the user's function with the extended {@link Context}.
 *
 * @module
 */
import type { HandlerContext, Hook, PlanContext, PlannedStep } from "../engine/hook.ts";
import type { ReactorEvent } from "../reactor.d.ts";
import { CommandError, errorMessage, ReactorError } from "../errors.ts";
import { WebhookDispatcher } from "../webhook/queue.ts";
import { renderBody } from "../webhook/render.ts";
import type { WebhookSettings } from "../webhook/settings.ts";
import { containerFromEvent, makeContext } from "./context.ts";
import type { HandlerSpec, LoadedConfig, RuleSpec } from "./model.ts";
import type { HookDeps } from "./builtin.ts";
import { isWorkerFunction, WORKER_FN } from "./ts_runtime.ts";
import { renderTemplate, type TemplateInput, templateKeys } from "./template.ts";
import { sleep } from "../util/sleep.ts";
import { shellQuote } from "../exec/shell_quote.ts";
import { truncate } from "./problems.ts";

/** Maximum wait between retries. */
export const MAX_BACKOFF_MS = 300_000;

/** What a rule would run for one event. */
export interface RulePlan {
  argv: string[];
  env: Record<string, string>;
  cwd?: string;
  /** Keys that rendered empty (e.g. `%%ip%%` with no container network). */
  emptyKeys: string[];
}

/** Render a rule's argv, env and cwd for one event. */
export function planRule(rule: RuleSpec, input: Omit<TemplateInput, "network">): RulePlan {
  const full: TemplateInput = { ...input, network: rule.network };
  const emptyKeys = new Set<string>();
  const render = (t: RuleSpec["run"][number]) => {
    for (const k of templateKeys(t)) {
      if (renderTemplate({ source: k, parts: [{ key: k }] }, full) === "") emptyKeys.add(k);
    }
    return renderTemplate(t, full);
  };
  const argv = rule.run.map(render);
  const env: Record<string, string> = {};
  for (const [k, t] of rule.env) env[k] = render(t);
  return { argv, env, cwd: rule.cwd, emptyKeys: [...emptyKeys] };
}

function hostsOk(hosts: readonly string[] | undefined, ev: ReactorEvent): boolean {
  return !hosts || hosts.includes(ev.hostId);
}

/**
 * Whether a rule reads the inspected container. It does not when its templates use only what the
 * event carries: for a container event the engine puts the name, image and labels in its
 * attributes, so only `%%ip%%` (and, for other events, the container's name, image and labels)
 * needs an inspect. A webhook body may use anything: it counts as reading the container.
 */
export function ruleReadsContainer(rule: RuleSpec): boolean {
  if (rule.webhook) return true;
  const keys = [...rule.run, ...rule.env.map(([, t]) => t)].flatMap(templateKeys);
  return keys.some((k) =>
    k === "ip" ||
    !rule.match.containerOnly && (k === "name" || k === "image" || k.startsWith("label."))
  );
}

/** Total time budget of a rule with retries (per-attempt timeout × attempts + backoffs). */
export function ruleBudgetMs(rule: RuleSpec): number | undefined {
  if (rule.timeoutMs === undefined) return undefined;
  let total = rule.timeoutMs * (rule.retries + 1) + 1000;
  for (let i = 0; i < rule.retries; i++) total += Math.min(rule.backoffMs * 2 ** i, MAX_BACKOFF_MS);
  return total;
}

/**
 * A YAML rule as a hook. A `webhook:` is enqueued on `webhooks` first (that never waits: a slow
 * endpoint delays only its own queue), then `run:` runs, if the rule has one.
 */
export function ruleHook(rule: RuleSpec, webhooks?: WebhookDispatcher): Hook {
  const lastRun = new Map<string, number>();
  const debounced = (ev: ReactorEvent): boolean => {
    if (!rule.debounceMs) return false;
    const key = `${ev.hostId}/${ev.type}/${ev.actor.id}`;
    const now = performance.now();
    const last = lastRun.get(key);
    if (last !== undefined && now - last < rule.debounceMs) return true;
    lastRun.set(key, now);
    if (lastRun.size > 4096) {
      for (const [k, t] of lastRun) if (now - t >= rule.debounceMs) lastRun.delete(k);
    }
    return false;
  };
  return {
    name: `rule:${rule.name}`,
    kind: "rule",
    rule: rule.name,
    needsContainer: ruleReadsContainer(rule),
    timeoutMs: ruleBudgetMs(rule),
    wants: (ev) => hostsOk(rule.hosts, ev) && rule.match(ev),
    start: rule.warnings.length
      ? (rt) => rule.warnings.forEach((w) => rt.log.warn(`rule "${rule.name}": ${w}`))
      : undefined,
    plan(ctx: PlanContext): PlannedStep[] {
      const plan = planRule(rule, ctx);
      const steps: PlannedStep[] = [{
        argv: plan.argv,
        ...(Object.keys(plan.env).length ? { env: plan.env } : {}),
        ...(plan.cwd ? { cwd: plan.cwd } : {}),
      }];
      if (!rule.run.length) steps.length = 0;
      if (rule.webhook) steps.push(webhookStep(rule.webhook, { ...ctx, network: rule.network }));
      for (const k of plan.emptyKeys) {
        steps.push({
          warning: k === "ip"
            ? `%%ip%% is "" — ${
              ctx.container
                ? `the container has no IPv4${rule.network ? ` on network ${rule.network}` : ""}`
                : "no container details (pass --container FILE, or make the engine reachable)"
            }`
            : `%%${k}%% is ""`,
        });
      }
      return steps;
    },
    async handle(ctx: HandlerContext): Promise<void> {
      const log = ctx.log.child({ rule: rule.name });
      if (debounced(ctx.event)) {
        log.debug("rule skipped: debounced", { debounceMs: rule.debounceMs });
        return;
      }
      const input = { event: ctx.event, container: ctx.container, host: ctx.host };
      if (rule.webhook) {
        if (!webhooks) {
          throw new ReactorError(`Rule "${rule.name}" has a webhook but no dispatcher`);
        }
        webhooks.send(rule.name, rule.webhook, { ...input, network: rule.network });
        log.debug("webhook queued", { target: rule.webhook.target });
      }
      if (rule.run.length === 0) return;
      const plan = planRule(rule, input);
      if (plan.emptyKeys.length) {
        log.warn("template keys rendered empty", { keys: plan.emptyKeys.join(",") });
      }
      for (let attempt = 0;; attempt++) {
        try {
          const r = await ctx.exec(plan.argv, {
            env: plan.env,
            cwd: plan.cwd,
            timeoutMs: rule.timeoutMs,
            signal: ctx.signal,
            // like a script's: stdout at info, stderr at warn
            onLine: (stream, line) =>
              stream === "stdout" ? log.info(line, { stream }) : log.warn(line, { stream }),
          });
          log.info("Rule ran", {
            cmd: truncate(shellQuote(plan.argv)),
            durationMs: Math.round(r.durationMs),
          });
          return;
        } catch (err) {
          if (ctx.signal.aborted || attempt >= rule.retries) throw err;
          if (err instanceof CommandError && err.reason === "aborted") throw err;
          const wait = Math.min(rule.backoffMs * 2 ** attempt, MAX_BACKOFF_MS);
          log.warn("rule failed, retrying", {
            attempt: attempt + 1,
            of: rule.retries + 1,
            waitMs: wait,
            error: errorMessage(err),
          });
          await sleep(wait, ctx.signal);
          if (ctx.signal.aborted) throw ctx.signal.reason ?? err;
        }
      }
    },
  };
}

/**
 * A TS handler as a hook (run in its config's Worker, or in-process for a plain function). A
 * `webhook:` is enqueued on `webhooks` first, as for YAML rules.
 */
export function handlerHook(h: HandlerSpec, webhooks?: WebhookDispatcher): Hook {
  return {
    name: `ts:${h.name}`,
    kind: "ts",
    rule: h.name,
    timeoutMs: h.timeoutMs,
    wants: (ev) => hostsOk(h.hosts, ev) && h.match(ev),
    start: h.warnings?.length
      ? (rt) => h.warnings!.forEach((w) => rt.log.warn(`handler "${h.name}": ${w}`))
      : undefined,
    plan: (ctx: PlanContext) => [
      { note: "a TypeScript function: runs only with --execute" },
      ...(h.webhook ? [webhookStep(h.webhook, ctx)] : []),
    ],
    async handle(ctx: HandlerContext): Promise<void> {
      const container = ctx.container ??
        (ctx.event.type === "container" ? containerFromEvent(ctx.event) : undefined);
      if (h.needsContainer && !container) return;
      const log = ctx.log.child({ handler: h.name });
      if (h.webhook) {
        if (!webhooks) {
          throw new ReactorError(`Handler "${h.name}" has a webhook but no dispatcher`);
        }
        webhooks.send(h.name, h.webhook, { event: ctx.event, container, host: ctx.host });
        log.debug("webhook queued", { target: h.webhook.target });
      }
      if (!h.run) return;
      if (isWorkerFunction(h.run)) {
        const { runtime, path } = h.run[WORKER_FN];
        await runtime.invoke({
          fn: path,
          container,
          event: ctx.event,
          host: ctx.host,
          movedOn: ctx.movedOn,
          exec: ctx.exec,
          log,
          signal: ctx.signal,
        });
        return;
      }
      await h.run(container, makeContext({ ...ctx, log }));
    },
  };
}

/** What building hooks from a config needs. */
export type BuildDeps = HookDeps;

/**
 * All hooks of a loaded config, in run order: built-ins first (they set up networking that
 * user handlers may rely on), then YAML rules in file order, then TS handlers. Webhooks go to
 * `deps.webhooks` (the daemon's dispatcher); without one, the rules that need it share one made
 * here, which their `close()` closes.
 */
export function configHooks(cfg: LoadedConfig, deps: BuildDeps): Hook[] {
  let webhooks = deps.webhooks;
  let own: WebhookDispatcher | undefined;
  if (!webhooks && [...cfg.rules, ...cfg.handlers].some((r) => r.webhook)) {
    webhooks = own = new WebhookDispatcher({ log: deps.log });
  }
  const closesOwn = (h: Hook, sends: boolean): Hook =>
    own && sends ? { ...h, close: () => own!.close() } : h;
  return [
    ...cfg.hooks.flatMap((c) => c.settings === false ? [] : c.hook.create(c.settings, deps)),
    ...cfg.rules.map((r) => closesOwn(ruleHook(r, webhooks), !!r.webhook)),
    ...cfg.handlers.map((h) => closesOwn(handlerHook(h, webhooks), !!h.webhook)),
  ];
}

/** The dry-run step of a webhook: the request (the URL's origin only) and its rendered body. */
function webhookStep(w: WebhookSettings, input: TemplateInput): PlannedStep {
  const body = w.method === "GET" ? undefined : renderBody(w.body, input);
  return { note: `webhook ${w.method} ${w.target}${body === undefined ? "" : ` body: ${body}`}` };
}
