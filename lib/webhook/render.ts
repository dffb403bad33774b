/**
 * Webhook bodies: the event JSON by default, or a `%%key%%` template parsed and valued by
 * `lib/config/template.ts` (the one template grammar). A JSON body template is rendered
 * JSON-safely: a placeholder inside a JSON string becomes an escaped string fragment
 * (`"%%name%% started"`), one standing where a value goes becomes a JSON value (`%%payload%%`
 * is the event object, `%%time%%` a number, every other key a quoted string). The template is
 * checked at load time, so a rendered JSON body is always valid JSON whatever the event holds.
 *
 * @module
 */
import { eventToJson } from "../docker/normalize.ts";
import {
  parseTemplate,
  renderTemplate,
  type Template,
  type TemplateInput,
  templateValue,
} from "../config/template.ts";

/** A compiled body template. */
export interface BodyTemplate {
  readonly source: string;
  /** Rendered with JSON-safe escaping. */
  readonly json: boolean;
  readonly template: Template;
  /** For each placeholder in order: true when it sits inside a JSON string. */
  readonly inString: readonly boolean[];
}

/** Keys that are JSON values already (written as they are outside a JSON string). */
const RAW_JSON_KEYS = new Set(["payload", "time"]);

/**
 * True for `application/json` and `…+json` media types.
 *
 * @example
 * ```ts
 * import { isJsonContentType } from "./render.ts";
 * isJsonContentType("application/vnd.api+json; charset=utf-8"); // true
 * ```
 */
export function isJsonContentType(contentType: string): boolean {
  const t = contentType.split(";")[0]!.trim().toLowerCase();
  return t === "application/json" || t.endsWith("+json");
}

/**
 * True when a template reads as JSON (starts with `{` or `[`).
 *
 * @example
 * ```ts
 * import { looksLikeJson } from "./render.ts";
 * looksLikeJson(' {"text": "%%name%%"}'); // true
 * ```
 */
export function looksLikeJson(source: string): boolean {
  return /^\s*[[{]/.test(source);
}

/** For each placeholder, whether it sits inside a JSON string literal. */
function stringContexts(t: Template): boolean[] {
  const out: boolean[] = [];
  let inString = false;
  let escaped = false;
  for (const p of t.parts) {
    if (typeof p !== "string") {
      out.push(inString);
      escaped = false;
      continue;
    }
    for (const c of p) {
      if (!inString) {
        if (c === '"') inString = true;
      } else if (escaped) escaped = false;
      else if (c === "\\") escaped = true;
      else if (c === '"') inString = false;
    }
  }
  return out;
}

function jsonValue(key: string, value: string, inString: boolean): string {
  if (inString) return JSON.stringify(value).slice(1, -1);
  if (RAW_JSON_KEYS.has(key) && value !== "") return value;
  return JSON.stringify(value);
}

/**
 * Compile a body template; `json` selects JSON-safe rendering (and checks that the template is
 * JSON). Returns `{ error }` (one line, with the fix) when it is not usable.
 *
 * @example
 * ```ts
 * import { compileBody } from "./render.ts";
 * const b = compileBody('{"text": "%%name%% is %%action%%"}', { json: true });
 * "error" in b; // false
 * ```
 */
export function compileBody(
  source: string,
  opts: { json: boolean },
): BodyTemplate | { error: string } {
  const t = parseTemplate(source);
  if ("error" in t) return t;
  const inString = opts.json ? stringContexts(t) : [];
  if (opts.json) {
    // Sample values: if this parses, every rendering does (values are escaped or valid JSON).
    let i = 0;
    const sample = t.parts.map((p) => {
      if (typeof p === "string") return p;
      const s = inString[i++]!;
      return s ? "x" : p.key === "payload" ? "{}" : p.key === "time" ? "0" : '"x"';
    }).join("");
    try {
      JSON.parse(sample);
    } catch (err) {
      return {
        error:
          `the body is sent as JSON but the template is not valid JSON (${
            (err as Error).message.split("\n")[0]
          }) — write JSON with each %%key%% inside a string ("%%name%%") or as a value ` +
          `(%%payload%%), or set a non-JSON content-type header`,
      };
    }
  }
  return { source, json: opts.json, template: t, inString };
}

/**
 * Render a body: the event's JSON when there is no template.
 *
 * @example
 * ```ts ignore
 * renderBody(compiled, { event, container, host: { id: "edge", name: "edge" } });
 * ```
 */
export function renderBody(body: BodyTemplate | undefined, input: TemplateInput): string {
  if (!body) return eventToJson(input.event);
  if (!body.json) return renderTemplate(body.template, input);
  let out = "";
  let i = 0;
  for (const p of body.template.parts) {
    if (typeof p === "string") out += p;
    else out += jsonValue(p.key, templateValue(p.key, input), body.inString[i++]!);
  }
  return out;
}
