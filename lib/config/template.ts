/**
 * `%%key%%` templates in YAML rule argv and env values. Parsed and validated at load time
 * (an unknown key is a load error); rendered per argv element — the result is always one argv
 * element, never split and never given to a shell.
 *
 * @module
 */
import type { ContainerInfo, ReactorEvent } from "../reactor.d.ts";
import { eventToJson } from "../docker/normalize.ts";

/** Fixed template keys. */
export const TEMPLATE_KEYS: readonly string[] = [
  "action",
  "type",
  "scope",
  "time",
  "id",
  "actor.id",
  "actor.name",
  "name",
  "image",
  "ip",
  "host",
  "hostid",
  "payload",
];
/** Key prefixes taking a name after them. */
export const TEMPLATE_PREFIXES: readonly string[] = ["actor.attributes.", "label."];

/** A parsed template: literal text and keys, alternating. */
export interface Template {
  /** The source text. */
  readonly source: string;
  /** Literal parts and `{key}` parts in order. */
  readonly parts: readonly (string | { key: string })[];
}

/** Everything a template can read. */
export interface TemplateInput {
  event: ReactorEvent;
  container: ContainerInfo | undefined;
  host: { id: string; name: string };
  /** Network whose IP `%%ip%%` gives (default: the container's primary IP). */
  network?: string;
}

const TOKEN = /%%([^%\s]*)%%/g;

/** Parse a template; returns an error message (for the whole element) when it is invalid. */
export function parseTemplate(source: string): Template | { error: string } {
  const parts: (string | { key: string })[] = [];
  let last = 0;
  for (const m of source.matchAll(TOKEN)) {
    const key = m[1]!;
    if (!isKnownKey(key)) {
      return {
        error: key === ""
          ? `empty %%%% placeholder — write %%key%%, e.g. %%name%%`
          : `unknown template key %%${key}%% — use one of ${TEMPLATE_KEYS.join(", ")}, ` +
            `actor.attributes.<name> or label.<name>`,
      };
    }
    if (m.index > last) parts.push(source.slice(last, m.index));
    parts.push({ key });
    last = m.index + m[0].length;
  }
  const rest = source.slice(last);
  if (rest.includes("%%")) {
    return { error: `unterminated %% in ${JSON.stringify(source)} — close it as %%key%%` };
  }
  if (rest) parts.push(rest);
  return { source, parts };
}

function isKnownKey(key: string): boolean {
  if (TEMPLATE_KEYS.includes(key)) return true;
  return TEMPLATE_PREFIXES.some((p) => key.startsWith(p) && key.length > p.length);
}

/** The keys a template uses. */
export function templateKeys(t: Template): string[] {
  return t.parts.flatMap((p) => typeof p === "string" ? [] : [p.key]);
}

/** Value of one key (always a string; "" when the event has no such value). */
export function templateValue(key: string, input: TemplateInput): string {
  const { event, container } = input;
  const attrs = event.actor.attributes;
  switch (key) {
    case "action":
      return event.action;
    case "type":
      return event.type;
    case "scope":
      return event.scope;
    case "time":
      return String(event.time);
    case "id":
    case "actor.id":
      return event.actor.id;
    case "actor.name":
      return attrs["name"] ?? "";
    case "name":
      return container?.name ?? attrs["name"] ?? "";
    case "image":
      return container?.image ?? attrs["image"] ?? "";
    case "ip":
      if (!container) return "";
      return input.network ? container.networks[input.network]?.ip ?? "" : container.primaryIp;
    case "host":
      return input.host.name;
    case "hostid":
      return input.host.id;
    case "payload":
      return eventToJson(event);
  }
  if (key.startsWith("actor.attributes.")) return attrs[key.slice(17)] ?? "";
  if (key.startsWith("label.")) {
    const k = key.slice(6);
    return container?.labels[k] ?? attrs[k] ?? "";
  }
  return "";
}

/** Render a template into exactly one string. */
export function renderTemplate(t: Template, input: TemplateInput): string {
  let out = "";
  for (const p of t.parts) out += typeof p === "string" ? p : templateValue(p.key, input);
  return out;
}
