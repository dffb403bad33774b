/**
 * Inputs of the matcher micro-bench: 100 YAML rules (exact values, globs, `/regex/`, lists,
 * labels) made into hooks through the real config path (YAML → validation → rule hooks), and a
 * mix of events like a busy host's (exec and health noise, lifecycles, network and image events).
 *
 * @module
 */
import { ruleHook } from "../lib/config/hooks.ts";
import { validateYaml } from "../lib/config/validate.ts";
import { parseYamlText } from "../lib/config/yaml.ts";
import type { Hook } from "../lib/engine/hook.ts";
import type { ReactorEvent } from "../lib/reactor.d.ts";

const ACTIONS = ["start", "die", "stop", "destroy", "create", "health_status", "exec_start"];

/** The YAML text of `n` rules. */
export function rulesYaml(n = 100): string {
  const lines = ["events_reactor:"];
  for (let i = 0; i < n; i++) {
    lines.push(`  rule${i}:`);
    lines.push(`    run: ["/bin/true", "%%actor.name%%"]`);
    lines.push(`    event:`);
    switch (i % 5) {
      case 0: // exact type and action, glob on the name
        lines.push(`      type: container`, `      action: ${ACTIONS[i % ACTIONS.length]}`);
        lines.push(`      actor: { name: "svc${i}-*" }`);
        break;
      case 1: // list of actions, regex on a label
        lines.push(`      action: [die, stop, kill]`);
        lines.push(`      labels: { com.example.role: "/^(db|cache)-${i}[0-9]*$/" }`);
        break;
      case 2: // regex on the name (case-insensitive), glob on the image
        lines.push(`      type: container`);
        lines.push(
          `      actor: { name: "/^web-${i}-[a-f0-9]+$/i", attributes: { image: "*/app:*" } }`,
        );
        break;
      case 3: // health with a raw action glob
        lines.push(`      action: "health_status*"`, `      labels: { team: "team-${i}" }`);
        break;
      default: // network events on a named network
        lines.push(`      type: network`, `      action: [connect, disconnect]`);
        lines.push(`      actor: { name: "net-${i}-?" }`);
    }
  }
  return lines.join("\n") + "\n";
}

/** Hooks of the rules, exactly as the daemon builds them. */
export async function ruleHooks(n = 100): Promise<Hook[]> {
  const doc = await parseYamlText(rulesYaml(n), "bench.yaml");
  if (!doc.ok) throw new Error(doc.problems.list.join("\n"));
  const part = validateYaml(doc.value, doc.problems, []);
  if (doc.problems.list.length) throw new Error(doc.problems.list.join("\n"));
  return part.rules.map((r) => ruleHook(r));
}

/** `n` events: 60% exec/health noise, then lifecycles, network and image events. */
export function eventMix(n = 1000): ReactorEvent[] {
  const out: ReactorEvent[] = [];
  for (let i = 0; i < n; i++) {
    const r = i % 20;
    const type = r === 18 ? "network" : r === 19 ? "image" : "container";
    const rawAction = type === "network"
      ? (i % 2 ? "connect" : "disconnect")
      : type === "image"
      ? "pull"
      : r < 8
      ? "exec_start: /bin/sh -c healthcheck"
      : r < 12
      ? `health_status: ${i % 3 ? "healthy" : "unhealthy"}`
      : ACTIONS[r % 5]!;
    const action = rawAction.split(":")[0]!;
    const name = type === "network" ? `net-${i % 100}-a` : `web-${i % 100}-${i.toString(16)}`;
    out.push({
      hostId: "default",
      type,
      action,
      rawAction,
      actor: {
        id: i.toString(16).padStart(64, "0"),
        attributes: {
          name,
          image: "registry.example/app:1.2",
          "com.example.role": `db-${i % 100}`,
          team: `team-${i % 100}`,
          ...(type === "network" ? { container: "c".repeat(64) } : {}),
        },
      },
      scope: "local",
      time: 1_796_000_000,
      timeNano: `${1_796_000_000_000_000_000n + BigInt(i)}`,
      synthetic: false,
      raw: "",
    });
  }
  return out;
}

/** What the dispatcher does per event: ask every hook whether it wants it; returns matches. */
export function matchAll(hooks: readonly Hook[], events: readonly ReactorEvent[]): number {
  let matched = 0;
  for (const ev of events) {
    for (const h of hooks) if (h.wants(ev)) matched++;
  }
  return matched;
}
