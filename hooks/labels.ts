/**
 * The label-networking hook of the embedded default (seed `000`):
 *
 * - `<prefix>address`: each `;` part runs as `ip address <part>` in the container's netns;
 * - `<prefix>route`: each part runs as `ip route <part>` in the container's netns (`add` is run
 *   as `replace`, so re-applying is idempotent);
 * - `<prefix>host-route`: each part runs as `ip route <part>` on the host, if the host-route
 *   policy allows it. Only `add`, `replace` and `del` are accepted there. Routes reactor added are
 *   recorded in the state dir and removed on `die`/`stop`/`destroy`.
 *
 * Label values are tokenized without any shell ({@link parseLabelValue}). Every failing part gets
 * one log line (container, label, exact argv, ip's stderr) and does not stop the other parts; the
 * hook throws once at the end so the engine counts the failure (`reactor once` exits non-zero).
 *
 * @module
 */
import type { HandlerContext, Hook } from "../lib/engine/hook.ts";
import type { ReactorEvent } from "../lib/reactor.d.ts";
import { CommandError, errorMessage, oneLine, ReactorError } from "../lib/errors.ts";
import { ensureIp } from "../lib/net/idempotent.ts";
import { shellQuote } from "../lib/exec/shell_quote.ts";
import { planLabels } from "./labels_plan.ts";
import { HostRouteCleanup } from "./labels_cleanup.ts";
import { ip, type Netns } from "../lib/net/ip.ts";
import { parseLabelValue } from "../lib/net/label_parse.ts";
import { NetnsGoneError } from "../lib/net/nsenter.ts";
import {
  type HostRoutePolicy,
  hostRoutesAllowed,
  parseHostRoutePolicy,
} from "../lib/net/host_route_policy.ts";
import { HostRoutesStore, type StoredRoute } from "../lib/net/host_routes_store.ts";
import { type BuiltinHook, describeSettings } from "../lib/config/builtin.ts";
import { kind } from "../lib/config/problems.ts";

/** Default label prefix (as in the seed). */
export const DEFAULT_LABEL_PREFIX = "docker-events.";

/** Options for {@link labelsHook}. */
export interface LabelsHookOptions {
  /** Label prefix, default `docker-events.`. */
  labelPrefix?: string;
  /** Who may change host routes (default allow). */
  hostRoutes?: HostRoutePolicy;
  /** Where added host routes are recorded. */
  store: HostRoutesStore;
  /** Per `ip` invocation timeout (default 10 s). */
  ipTimeoutMs?: number;
}

/** Counters exposed for metrics and tests. */
export interface LabelStats {
  /** Parts that ran successfully. */
  applied: number;
  /** `add` parts whose exact route/address was already present. */
  present: number;
  /** Parts that failed. */
  failed: number;
  /** Containers whose host-route label the policy refused. */
  refused: number;
  /** Host routes removed after a container stopped. */
  removed: number;
  /** Containers that exited before their netns could be configured. */
  gone: number;
}

/** At least one label part failed (each was logged on its own line). */
export class LabelApplyError extends ReactorError {
  constructor(message: string) {
    super(message);
    this.name = "LabelApplyError";
  }
}

const STOP_ACTIONS = new Set(["die", "stop", "destroy"]);
const HOST_VERBS = new Set(["add", "replace", "del", "delete"]);

/** Build the label-networking hook. */
export function labelsHook(opts: LabelsHookOptions): Hook & { readonly stats: LabelStats } {
  const prefix = opts.labelPrefix ?? DEFAULT_LABEL_PREFIX;
  const policy = opts.hostRoutes ?? { kind: "allow" };
  const store = opts.store;
  const keys = {
    address: `${prefix}address`,
    route: `${prefix}route`,
    hostRoute: `${prefix}host-route`,
  };
  const stats: LabelStats = { applied: 0, present: 0, failed: 0, refused: 0, removed: 0, gone: 0 };
  const cleanup = new HostRouteCleanup({
    store,
    stats,
    label: keys.hostRoute,
    ipTimeoutMs: opts.ipTimeoutMs ?? 10_000,
    describe,
  });
  const warnedRemote = new Set<string>();

  const hasLabels = (labels: Record<string, string>) =>
    keys.address in labels || keys.route in labels || keys.hostRoute in labels;

  async function apply(ctx: HandlerContext): Promise<void> {
    const c = ctx.container;
    if (!c || !hasLabels(c.labels)) return;
    if (!ctx.host.local) {
      if (!warnedRemote.has(ctx.host.id)) {
        warnedRemote.add(ctx.host.id);
        ctx.log.warn(
          `Networking labels ignored on host "${ctx.host.id}": the engine is not local, so reactor cannot enter container namespaces or change that machine's routes`,
        );
      }
      return;
    }
    if (!c.running || c.pid <= 0) {
      stats.gone++;
      ctx.log.info("Container is no longer running; networking labels skipped", {
        container: c.name,
        status: c.status,
      });
      return;
    }
    const local = { applied: 0, present: 0 };
    const note = (outcome: string) => {
      count(outcome);
      if (outcome === "present") local.present++;
      else local.applied++;
    };
    const run = { exec: ctx.exec, rootless: ctx.host.rootless, signal: ctx.signal };
    const timeoutMs = opts.ipTimeoutMs ?? 10_000;
    const failures: string[] = [];
    const fail = (
      label: string,
      text: string,
      argv: readonly string[] | undefined,
      why: string,
    ) => {
      stats.failed++;
      failures.push(label);
      ctx.log.error(`Label ${label} part failed: ${why}`, {
        container: c.name,
        label,
        part: text,
        ...(argv ? { cmd: shellQuote(argv) } : {}),
      });
    };

    const netns: Netns = { container: c };
    for (const object of ["address", "route"] as const) {
      const label = keys[object];
      const value = c.labels[label];
      if (value === undefined) continue;
      if (c.networkMode === "host") {
        // its netns IS the host's: applying would bypass the --host-routes policy
        fail(
          label,
          value,
          undefined,
          `the container uses the host's network namespace (network mode "host"), so this label would change the host — use ${keys.hostRoute} (subject to --host-routes) instead`,
        );
        continue;
      }
      for (const part of parseLabelValue(value)) {
        if (ctx.signal.aborted) return; // out of time: the engine reports the timeout
        if (!part.argv) {
          fail(label, part.text, undefined, part.error ?? "malformed");
          continue;
        }
        let words = part.argv;
        if (object === "route" && words[0] === "add") words = ["replace", ...words.slice(1)];
        const cmd = ip.raw(object, words, netns);
        try {
          const r = await ensureIp(cmd, { ...run, timeoutMs });
          note(r.outcome);
          ctx.log.debug(`Label ${label} part ${r.outcome}`, {
            container: c.name,
            cmd: shellQuote(cmd.argv),
          });
        } catch (err) {
          if (err instanceof NetnsGoneError) {
            stats.gone++;
            ctx.log.info(`Container exited before its network was configured: ${err.message}`, {
              container: c.name,
            });
            return;
          }
          fail(label, part.text, cmd.argv, describe(err));
        }
      }
    }

    const hostValue = c.labels[keys.hostRoute];
    if (hostValue !== undefined) {
      if (!hostRoutesAllowed(policy, c.labels)) {
        stats.refused++;
        ctx.log.warn(`Label ${keys.hostRoute} refused by the host-route policy`, {
          container: c.name,
          policy: policy.kind === "label" ? `label:${policy.key}=${policy.value}` : policy.kind,
        });
      } else {
        for (const part of parseLabelValue(hostValue)) {
          if (ctx.signal.aborted) return;
          if (!part.argv) {
            fail(keys.hostRoute, part.text, undefined, part.error ?? "malformed");
            continue;
          }
          const verb = part.argv[0] ?? "";
          if (!HOST_VERBS.has(verb)) {
            fail(
              keys.hostRoute,
              part.text,
              undefined,
              `verb "${verb}" is not allowed on the host — use add, replace or del`,
            );
            continue;
          }
          const cmd = ip.raw("route", part.argv);
          const adds = verb === "add" || verb === "replace";
          const route: StoredRoute = { words: [...part.argv], del: ["del", ...part.argv.slice(1)] };
          const who = { hostId: c.hostId, containerId: c.id, name: c.name };
          const same = (x: StoredRoute) => x.del.join(" ") === route.del.join(" ");
          // Record the intent BEFORE changing the host, so a crash right after `ip route add`
          // cannot leave a route that nobody will remove.
          const wasMine = adds && (await store.routesOf(c.hostId, c.id)).some(same);
          if (adds && !wasMine) await store.record(who, route);
          try {
            const r = await ensureIp(cmd, { ...run, timeoutMs });
            note(r.outcome);
            if (adds && r.outcome === "present" && !wasMine && verb !== "replace") {
              if (await store.sharedWithOthers(c.hostId, c.id, route)) continue;
              await store.forget(c.hostId, c.id, route);
              ctx.log.info(
                "Host route already present and not added by reactor: it will be left in place when the container stops",
                { container: c.name, route: part.argv.slice(1).join(" ") },
              );
            } else {
              ctx.log.info(hostRouteMessage(verb, r.outcome, cmd.argv), {
                container: c.name,
                route: part.argv.slice(1).join(" "),
              });
            }
          } catch (err) {
            if (adds && !wasMine) await store.forget(c.hostId, c.id, route);
            fail(keys.hostRoute, part.text, cmd.argv, describe(err));
          }
        }
      }
    }
    const done = {
      applied: local.applied,
      present: local.present,
      failed: failures.length,
    };
    if (done.applied + done.present + done.failed > 0) {
      ctx.log.info("Networking labels processed", { container: c.name, ...done });
    }
    if (failures.length) {
      throw new LabelApplyError(
        `${failures.length} networking label part(s) failed for container "${c.name}" (${
          [...new Set(failures)].join(", ")
        }); see the log lines above`,
      );
    }
  }

  function count(outcome: string): void {
    if (outcome === "present") stats.present++;
    else stats.applied++;
  }

  return {
    name: "labels",
    stats,
    wants(ev: ReactorEvent): boolean {
      if (ev.type !== "container") return false;
      // labels are part of the event's attributes: skip the inspect for unlabelled starts
      if (ev.action === "start") return hasLabels(ev.actor.attributes);
      return STOP_ACTIONS.has(ev.action);
    },
    async handle(ctx: HandlerContext): Promise<void> {
      if (ctx.host.local) await cleanup.sweep(ctx);
      const ev = ctx.event;
      if (ev.action === "start") return await apply(ctx);
      if (STOP_ACTIONS.has(ev.action)) {
        const name = ctx.container?.name ?? ev.actor.attributes["name"] ?? ev.actor.id.slice(0, 12);
        const failed = await cleanup.remove(ev.hostId, ev.actor.id, name, ctx);
        if (failed) {
          throw new LabelApplyError(`Cannot remove ${failed} host route(s) of container "${name}"`);
        }
      }
    },
    plan: (ctx) => planLabels(ctx, { keys, policy, store }),
    async resync(ctx: HandlerContext): Promise<void> {
      if (ctx.host.local) await cleanup.sweep(ctx);
      await apply(ctx);
    },
  };
}

/** The info line for a host-route change (`Host route added: ip route add …`). */
function hostRouteMessage(verb: string, outcome: string, argv: readonly string[]): string {
  const what = verb === "del" || verb === "delete"
    ? outcome === "absent" ? "already absent" : "removed"
    : outcome === "present"
    ? "already present"
    : verb === "replace"
    ? "replaced"
    : "added";
  return `Host route ${what}: ${shellQuote(argv)}`;
}

/** One line for a failed `ip` (its exit code and stderr). */
export function describe(err: unknown): string {
  if (err instanceof CommandError) {
    const why = err.reason === "exit"
      ? `exit ${err.code}${err.stderr.trim() ? `: ${oneLine(err.stderr)}` : ""}`
      : errorMessage(err);
    return why;
  }
  return errorMessage(err);
}

/** Validated settings of the labels hook (only the keys given; defaults apply in `create`). */
export interface LabelsSettings {
  prefix?: string;
  /** `allow`, `deny` or `label:<key>=<value>`. */
  hostRoutes?: string;
}

const PREFIX_RE = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;
const POLICY_RE = /^(allow|deny|label:[^=\s]+=\S*)$/;

/** The built-in hook descriptor (`hooks: { labels: … }`). */
export const labels: BuiltinHook<LabelsSettings> = {
  name: "labels",
  defaultOn: true,
  flags: [
    {
      flags: "--label-prefix <prefix>",
      description: "label prefix (default docker-events.)",
      setting: "prefix",
    },
    {
      flags: "--host-routes <policy>",
      description: "allow | deny | label:<key>=<value> (default allow)",
      setting: "hostRoutes",
    },
  ],
  settings(f) {
    f.only(["prefix", "hostRoutes"], "hooks.labels");
    const before = f.problems.count;
    const out: LabelsSettings = {};
    const prefix = f.string("prefix", {
      pattern: PREFIX_RE,
      hint: `use letters, digits, ".", "-", "_" or "/" (e.g. docker-events.)`,
    });
    if (prefix !== undefined) out.prefix = prefix;
    const hr = f.raw("hostRoutes");
    if (hr === true || hr === false) out.hostRoutes = hr ? "allow" : "deny";
    else if (typeof hr === "string" && POLICY_RE.test(hr.trim())) out.hostRoutes = hr.trim();
    else if (hr !== undefined) {
      f.problem(
        "hostRoutes",
        `expected true, false, "allow", "deny" or "label:<key>=<value>", got ${kind(hr)}`,
      );
    }
    return f.problems.count > before ? undefined : out;
  },
  describe: (s) => describeSettings(s),
  create: (s, deps) => [
    labelsHook({
      labelPrefix: s.prefix ?? DEFAULT_LABEL_PREFIX,
      hostRoutes: parseHostRoutePolicy(s.hostRoutes ?? "allow"),
      store: new HostRoutesStore(deps.stateDir),
    }),
  ],
};
