/**
 * Docker Glue handler classes (`[handler] class=`) and the built-in reactor hooks they map to.
 * Glue imported any Python class by dotted name; reactor runs no Python, so only the classes in
 * {@link GLUE_CLASSES} load. Flip `available` when a hook lands (the etcd publisher is next).
 *
 * @module
 */

/** What a Glue handler becomes in reactor. */
export type GlueKind = "script" | "haproxy" | "etcd";

/** One row of {@link GLUE_CLASSES}. */
export interface GlueClass {
  readonly kind: GlueKind;
  /** False while the reactor hook for this class does not exist yet. */
  readonly available: boolean;
  /** What runs it, for `reactor check` and messages. */
  readonly hook: string;
}

/** Glue's class names → reactor hooks. The one table to change when a hook lands. */
export const GLUE_CLASSES: Readonly<Record<string, GlueClass>> = {
  "DockerGlue.handlers.exec.ScriptHandler": {
    kind: "script",
    available: true,
    hook: "script handler",
  },
  "DockerGlue.handlers.lb.HAProxyHandler": {
    kind: "haproxy",
    available: true,
    hook: "HAProxy hook",
  },
  "DockerGlue.handlers.publishers.distconfig.Publisher": {
    kind: "etcd",
    available: true,
    hook: "etcd publisher",
  },
};

/** Result of {@link lookupGlueClass}: the mapping, or a problem and its fix. */
export type GlueClassLookup =
  | { readonly ok: true; readonly kind: GlueKind; readonly entry: GlueClass }
  | {
    readonly ok: false;
    /** The class exists in the table but its hook is not available yet. */
    readonly unavailable: boolean;
    /** Its kind, when `unavailable`. */
    readonly kind?: GlueKind;
    readonly problem: string;
    readonly fix: string;
  };

/**
 * Map a `class=` value to a reactor hook (pure).
 *
 * @example
 * ```ts
 * import { lookupGlueClass } from "./classes.ts";
 * lookupGlueClass("DockerGlue.handlers.exec.ScriptHandler"); // { ok: true, kind: "script", … }
 * lookupGlueClass("myplugins.Demo").ok; // false: a Python plugin
 * ```
 */
export function lookupGlueClass(
  name: string,
  table: Readonly<Record<string, GlueClass>> = GLUE_CLASSES,
): GlueClassLookup {
  const known = Object.keys(table).join(", ");
  const entry = Object.hasOwn(table, name) ? table[name] : undefined;
  if (entry?.available) return { ok: true, kind: entry.kind, entry };
  if (entry) {
    return {
      ok: false,
      unavailable: true,
      kind: entry.kind,
      problem: `class ${name} (the ${entry.hook}) is not available yet in this reactor version`,
      fix: "set enabled=0 until it is, or remove this file",
    };
  }
  const python = !name.startsWith("DockerGlue.");
  return {
    ok: false,
    unavailable: false,
    problem: python
      ? `class ${name} is a Python plugin, and reactor cannot run Python plugins`
      : `unknown Docker Glue class ${name}`,
    fix: `use one of ${known}; for custom logic, write a handler in reactor.config.ts`,
  };
}
