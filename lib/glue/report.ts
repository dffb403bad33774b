/**
 * What `reactor check` shows of the loaded Glue handlers: one row per INI handler, in the
 * `KIND NAME SOURCE MATCH ACTION` shape of the config table.
 *
 * @module
 */
import { GLUE_CLASSES } from "./classes.ts";
import { ALL, type GlueHandlerSpec, NONE } from "./handlers.ts";

/** `all`, `start,die`, `all,none`, `none` (pure). */
export function formatGlueEvents(h: Pick<GlueHandlerSpec, "events" | "none">): string {
  const parts = h.events === ALL ? [ALL] : [...h.events];
  if (h.none) parts.push(NONE);
  return parts.join(",");
}

/**
 * One `[kind, name, source, match, action]` row per handler (pure).
 *
 * @example
 * ```ts ignore
 * glueCheckRows(loaded.handlers);
 * // [["glue", "test", "/etc/docker-glue.d/test.ini:2", "events=all",
 * //   "DockerGlue.handlers.exec.ScriptHandler → script /usr/libexec/docker-glue/test-handler.sh (enabled)"]]
 * ```
 */
export function glueCheckRows(
  handlers: readonly GlueHandlerSpec[],
  opts: {
    /** What the hook of a non-script handler will do (its effective settings), instead of its params. */
    detail?: (h: GlueHandlerSpec) => string | undefined;
  } = {},
): string[][] {
  return handlers.map((h) => {
    const hook = GLUE_CLASSES[h.class]?.hook ?? h.kind;
    const target = h.kind === "script" ? `script ${h.script ?? h.params["script"] ?? "?"}` : hook;
    const detail = h.kind === "script" ? undefined : opts.detail?.(h);
    const params = h.kind === "script"
      ? ""
      : detail !== undefined
      ? ` ${detail}`
      : Object.keys(h.params).map((k) => ` ${k}=${h.params[k]}`).join("");
    const flags = [h.state, h.triggersNone ? "triggers-none" : ""].filter(Boolean).join(", ");
    return [
      "glue",
      h.name,
      `${h.file}:${h.line}`,
      `events=${formatGlueEvents(h)}`,
      `${h.class} → ${target}${params} (${flags})`,
    ];
  });
}
