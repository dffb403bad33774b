/**
 * The dry run of the label-networking hook (`reactor simulate`): the exact `nsenter … ip …`
 * commands a start would run in the container's network namespace, the `ip route …` commands on
 * the host, and the recorded host routes a stop would delete. Nothing runs; the host-route record
 * is only read.
 *
 * @module
 */
import type { PlanContext, PlannedStep } from "../lib/engine/hook.ts";
import { nsenterArgs } from "../lib/net/nsenter.ts";
import { parseLabelValue } from "../lib/net/label_parse.ts";
import { type HostRoutePolicy, hostRoutesAllowed } from "../lib/net/host_route_policy.ts";
import type { HostRoutesStore } from "../lib/net/host_routes_store.ts";
import type { ContainerInfo } from "../lib/reactor.d.ts";

/** What the plan needs from the hook. */
export interface LabelsPlanOptions {
  keys: { address: string; route: string; hostRoute: string };
  policy: HostRoutePolicy;
  store: HostRoutesStore;
}

const HOST_VERBS = new Set(["add", "replace", "del", "delete"]);
const STOP_ACTIONS = new Set(["die", "stop", "destroy"]);

/**
 * The argv that enters the container's netns as the real run would: by its netns path for a
 * rootful engine when that path exists here, else by pid.
 */
export function plannedNsenter(
  c: Pick<ContainerInfo, "pid" | "sandboxKey">,
  argv: readonly string[],
  rootless: boolean,
): string[] {
  if (!rootless && c.sandboxKey && exists(c.sandboxKey)) {
    return nsenterArgs({ path: c.sandboxKey }, argv);
  }
  return nsenterArgs({ pid: c.pid }, argv, { rootless });
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The steps of the labels hook for one event. */
export async function planLabels(ctx: PlanContext, o: LabelsPlanOptions): Promise<PlannedStep[]> {
  const ev = ctx.event;
  if (ev.type !== "container") return [];
  if (STOP_ACTIONS.has(ev.action)) {
    const routes = await o.store.routesOf(ev.hostId, ev.actor.id);
    if (!routes.length) {
      return [{ note: "no host routes recorded for this container: nothing to remove" }];
    }
    return routes.map((r) => ({ argv: ["ip", "route", ...r.del], note: "on the host" }));
  }
  if (ev.action !== "start") return [];
  if (!ctx.host.local) {
    return [{
      note: `host "${ctx.host.id}" is not local: networking labels are ignored (one warning)`,
    }];
  }
  const c = ctx.container;
  const labels = c?.labels ?? ev.actor.attributes;
  const steps: PlannedStep[] = [];
  const running = !!c && c.running && c.pid > 0;
  if (!c) {
    steps.push({
      warning:
        "container details unknown (pass --container FILE, or make the engine reachable): the netns below is a placeholder",
    });
  } else if (!running) {
    return [{ note: `container "${c.name}" is not running: networking labels would be skipped` }];
  }
  const enter = (argv: string[]) =>
    running
      ? plannedNsenter(c!, argv, ctx.host.rootless)
      : ["nsenter", "-n", "-t", "<pid>", "--", ...argv];
  for (const object of ["address", "route"] as const) {
    const label = o.keys[object];
    const value = labels[label];
    if (value === undefined) continue;
    if (c?.networkMode === "host") {
      steps.push({
        warning:
          `${label}: refused — the container uses the host's network namespace; use ${o.keys.hostRoute}`,
      });
      continue;
    }
    for (const part of parseLabelValue(value)) {
      if (!part.argv) {
        steps.push({
          warning: `${label}: part ${JSON.stringify(part.text)} is malformed: ${part.error}`,
        });
        continue;
      }
      let words = part.argv;
      if (object === "route" && words[0] === "add") words = ["replace", ...words.slice(1)];
      steps.push({ argv: enter(["ip", object, ...words]), note: "in the container's netns" });
    }
  }
  const hostValue = labels[o.keys.hostRoute];
  if (hostValue !== undefined) {
    if (!hostRoutesAllowed(o.policy, labels)) {
      steps.push({
        warning: `${o.keys.hostRoute}: refused by the host-route policy (--host-routes)`,
      });
    } else {
      for (const part of parseLabelValue(hostValue)) {
        const verb = part.argv?.[0] ?? "";
        if (!part.argv) {
          steps.push({
            warning: `${o.keys.hostRoute}: part ${
              JSON.stringify(part.text)
            } is malformed: ${part.error}`,
          });
        } else if (!HOST_VERBS.has(verb)) {
          steps.push({
            warning:
              `${o.keys.hostRoute}: verb "${verb}" is not allowed on the host — use add, replace or del`,
          });
        } else {
          steps.push({
            argv: ["ip", "route", ...part.argv],
            note: verb === "add" || verb === "replace"
              ? "on the host; removed when the container stops"
              : "on the host",
          });
        }
      }
    }
  }
  return steps;
}
