/**
 * Parsing of networking label values (`docker-events.route: "add 10.1.0.0/16 via 10.0.0.1; …"`).
 *
 * The rule is deliberately simple and has NO shell semantics: the value is split on `;`, each
 * part is trimmed, empty parts are dropped, and each part is split on runs of whitespace into
 * argv words. Quotes, backslashes, `$`, backticks, `|`, `&`, `>` … are ordinary characters that
 * end up verbatim inside an argument of `ip`. Control characters (other than whitespace, which
 * separates words) are refused, so a label cannot smuggle a NUL or an escape sequence into a log.
 *
 * @module
 */

/** One `;`-separated part of a label value. */
export interface LabelPart {
  /** 1-based position of the part among the non-empty parts. */
  index: number;
  /** The trimmed text of the part. */
  text: string;
  /** The words, or undefined when the part is malformed (see {@link error}). */
  argv?: string[];
  /** Why the part cannot be used (one line). */
  error?: string;
}

// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u0008\u000e-\u001f\u007f]/;
const MAX_PART = 1024;
/** Most `;` parts of one label that are applied; the rest are refused with one problem. */
export const MAX_PARTS = 64;

/** Split a label value into its non-empty, trimmed `;` parts. */
export function splitParts(value: string): string[] {
  return value.split(";").map((p) => p.trim()).filter((p) => p.length > 0);
}

/**
 * Split one part into argv words on whitespace. No quoting, no escapes, no expansion.
 *
 * @example
 * ```ts
 * import { tokenize } from "./label_parse.ts";
 * tokenize(`add 10.0.0.0/8 dev "eth0"`); // ["add", "10.0.0.0/8", "dev", "\"eth0\""]
 * ```
 */
export function tokenize(part: string): string[] {
  return part.split(/\s+/).filter((w) => w.length > 0);
}

/**
 * Parse a whole label value into parts; malformed parts carry an `error` and no `argv`. Beyond
 * {@link MAX_PARTS} parts, one last part with an error stands for all the refused ones.
 */
export function parseLabelValue(value: string): LabelPart[] {
  const all = splitParts(value);
  const parts: LabelPart[] = all.slice(0, MAX_PARTS).map((text, i) => {
    const index = i + 1;
    if (CONTROL.test(text)) {
      return { index, text: JSON.stringify(text), error: "contains a control character" };
    }
    if (text.length > MAX_PART) {
      return { index, text: `${text.slice(0, 60)}…`, error: `longer than ${MAX_PART} characters` };
    }
    return { index, text, argv: tokenize(text) };
  });
  if (all.length > MAX_PARTS) {
    const more = all.length - MAX_PARTS;
    parts.push({
      index: MAX_PARTS + 1,
      text: `${all[MAX_PARTS]!.slice(0, 40)}… (${more} more)`,
      error:
        `more than ${MAX_PARTS} parts: these ${more} are refused — put fewer settings in one label, or use a start script`,
    });
  }
  return parts;
}
