/**
 * `--host-routes=allow|deny|label:<key>=<value>`: which containers may change the host's routing
 * table through the `host-route` label.
 *
 * @module
 */
import { UsageError } from "../errors.ts";

/** A parsed host-route policy. */
export type HostRoutePolicy =
  | { kind: "allow" }
  | { kind: "deny" }
  | { kind: "label"; key: string; value: string };

/** Parse the flag value; throws {@link UsageError} with the accepted forms. */
export function parseHostRoutePolicy(text: string): HostRoutePolicy {
  const t = text.trim();
  if (t === "allow" || t === "deny") return { kind: t };
  if (t.startsWith("label:")) {
    const spec = t.slice("label:".length);
    const eq = spec.indexOf("=");
    if (eq > 0) return { kind: "label", key: spec.slice(0, eq), value: spec.slice(eq + 1) };
  }
  throw new UsageError(
    `Invalid --host-routes value ${JSON.stringify(text)}: use allow, deny or label:<key>=<value>`,
  );
}

/** Render a policy back to its flag form. */
export function formatHostRoutePolicy(p: HostRoutePolicy): string {
  return p.kind === "label" ? `label:${p.key}=${p.value}` : p.kind;
}

/** True when a container with these labels may add host routes. */
export function hostRoutesAllowed(p: HostRoutePolicy, labels: Record<string, string>): boolean {
  if (p.kind === "allow") return true;
  if (p.kind === "deny") return false;
  return labels[p.key] === p.value;
}
