/**
 * Docker Glue handler INI files (`docker-glue.d/*.ini`), read so that reactor and `crudini` (which
 * Glue scripts use to read their own INI) always agree on every value.
 *
 * Values are parsed by `npm:ini`; a line scanner adds what that library does not give (line
 * numbers, sections as written, duplicates) and also computes the value as crudini/Python
 * `configparser` read it. Where the two readings differ the line is a problem, so whatever
 * reactor accepts means the same to a Glue script. The accepted format is the common subset:
 *
 * - `[section]` headers; `key = value` lines (spaces around `=` and the value are trimmed);
 * - whole-line comments starting with `;` or `#`; an inline comment only as ` ;` (whitespace, then
 *   `;`), which both readers strip;
 * - keys are case-insensitive (stored lower-case, as configparser's `optionxform` does).
 *
 * Refused, each with a `file:line: problem — fix` line: `key: value` (configparser only), indented
 * lines (continuation lines for configparser), keys outside a section, duplicate keys/sections
 * (configparser's last-wins/merge hides mistakes), values whose meaning differs (`#` or `;` inside,
 * surrounding quotes, backslash escapes: npm:ini rewrites them, crudini keeps them), control
 * characters, and lines that are none of the above.
 *
 * @module
 */
import { parse as iniParse } from "ini";

/** One `key = value` line. */
export interface IniEntry {
  /** Lower-cased key (configparser's `optionxform`). */
  readonly key: string;
  /** The key as written. */
  readonly rawKey: string;
  readonly value: string;
  /** 1-based line number. */
  readonly line: number;
}

/** One `[section]` with its entries in file order. */
export interface IniSection {
  readonly name: string;
  /** Line of the header. */
  readonly line: number;
  /** Entries by lower-cased key. */
  readonly entries: ReadonlyMap<string, IniEntry>;
}

/** Result of {@link parseGlueIni}. */
export interface GlueIni {
  readonly file: string;
  /** Sections by name (case-sensitive, as in configparser). */
  readonly sections: ReadonlyMap<string, IniSection>;
  /** One `file:line: problem — fix` line each. */
  readonly problems: string[];
}

/** Section names reactor accepts (letters, digits, `_`, `-`, `.`). */
const SECTION_RE = /^\[([A-Za-z0-9_.-]+)\]$/;
/** Keys reactor accepts (what Glue's INI files use; also safe for npm:ini, which treats `a[]`, `"a"` specially). */
const KEY_RE = /^[A-Za-z0-9_.-]+$/;
// deno-lint-ignore no-control-regex
const CONTROL_RE = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/**
 * The value of `rest` (what follows the first `=`) as crudini / Python 2 `ConfigParser` read it:
 * trimmed, and cut at the first `;` only when whitespace precedes it (pure).
 *
 * @example
 * ```ts
 * import { crudiniValue } from "./ini.ts";
 * crudiniValue(" some value ; note"); // "some value"
 * crudiniValue("a;b ;c"); // "a;b ;c" (the first ';' has no space before it: nothing is cut)
 * ```
 */
export function crudiniValue(rest: string): string {
  const v = rest.trim();
  const pos = v.indexOf(";");
  if (pos > 0 && /\s/.test(v[pos - 1]!)) return v.slice(0, pos).trimEnd();
  return v;
}

/** The value npm:ini gives for one `key=value` line, as a string (booleans/null come back as written). */
function libraryValue(line: string): string | undefined {
  const parsed = (iniParse as (text: string) => Record<string, unknown>)(line);
  const keys = Object.keys(parsed);
  if (keys.length !== 1) return undefined;
  const v = parsed[keys[0]!];
  if (typeof v === "string" || typeof v === "boolean" || v === null) return String(v);
  return undefined;
}

/** Why the two readers disagree, as a fix hint. */
function disagreementFix(value: string): string {
  if (/^(["']).*\1$/.test(value)) {
    return "remove the quotes (crudini keeps them, reactor's INI reader strips them)";
  }
  if (value.includes("\\")) {
    return "remove the backslash (reactor's INI reader treats it as an escape, crudini keeps it)";
  }
  if (value.includes("#")) {
    return "remove the '#' (reactor's INI reader starts a comment there, crudini keeps it)";
  }
  if (value.includes(";")) {
    return "remove the ';', or put a space before it to start a comment both readers strip";
  }
  return "simplify the value to plain text";
}

/**
 * Parse the text of one Glue handler INI file. Never throws: every problem is a
 * `file:line: problem — fix` line in `problems`, and the offending line is left out.
 *
 * @param text File contents.
 * @param file Path used in problem lines.
 * @returns Sections with line numbers per key, and problems.
 *
 * @example
 * ```ts
 * import { parseGlueIni } from "./ini.ts";
 * const ini = parseGlueIni("[handler]\nclass=X\n[params]\ndemo-option = some value\n", "t.ini");
 * ini.sections.get("params")?.entries.get("demo-option")?.value; // "some value"
 * ```
 */
export function parseGlueIni(text: string, file: string): GlueIni {
  const sections = new Map<string, IniSection & { entries: Map<string, IniEntry> }>();
  const problems: string[] = [];
  const problem = (line: number, what: string, fix: string) =>
    problems.push(`${file}:${line}: ${what} — ${fix}`);
  let current: (IniSection & { entries: Map<string, IniEntry> }) | undefined;
  let skipping = false; // inside a duplicate section: its keys were reported once

  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  lines.forEach((raw, i) => {
    const n = i + 1;
    const trimmed = raw.trim();
    if (trimmed === "") return;
    if (/^\s/.test(raw)) {
      problem(
        n,
        "indented line (crudini reads it as the continuation of the previous value)",
        "remove the leading whitespace; a value must fit on one line",
      );
      return;
    }
    if (trimmed.startsWith(";") || trimmed.startsWith("#")) return;
    if (trimmed.startsWith("[")) {
      const m = SECTION_RE.exec(trimmed);
      if (!m) {
        problem(
          n,
          `bad section header ${JSON.stringify(trimmed)}`,
          "write it as [name] (letters, digits, '_', '-', '.') with nothing after the ']'",
        );
        current = undefined;
        skipping = true;
        return;
      }
      const name = m[1]!;
      const seen = sections.get(name);
      if (seen) {
        problem(n, `duplicate section [${name}] (first on line ${seen.line})`, "merge them");
        current = undefined;
        skipping = true;
        return;
      }
      current = { name, line: n, entries: new Map() };
      sections.set(name, current);
      skipping = false;
      return;
    }
    const eq = raw.indexOf("=");
    const colon = raw.indexOf(":");
    if (eq < 0 || (colon >= 0 && colon < eq)) {
      if (colon >= 0) {
        problem(n, "'key: value' line", "write it as key = value");
      } else {
        problem(
          n,
          `cannot parse ${JSON.stringify(trimmed.slice(0, 60))}`,
          "use [section], key = value, or a comment starting with ';' or '#'",
        );
      }
      return;
    }
    const rawKey = raw.slice(0, eq).trim();
    const rest = raw.slice(eq + 1);
    if (!KEY_RE.test(rawKey)) {
      problem(
        n,
        `bad key ${JSON.stringify(rawKey)}`,
        "use only letters, digits, '_', '-' and '.' in key names",
      );
      return;
    }
    if (!current) {
      if (!skipping) {
        problem(
          n,
          `key "${rawKey}" outside a section`,
          "put it under [handler] or [params]",
        );
      }
      return;
    }
    if (CONTROL_RE.test(rest)) {
      problem(n, `value of "${rawKey}" contains a control character`, "remove it");
      return;
    }
    const key = rawKey.toLowerCase();
    const dup = current.entries.get(key);
    if (dup) {
      problem(
        n,
        `duplicate key "${rawKey}" in [${current.name}] (first on line ${dup.line})`,
        "keep one (keys are case-insensitive)",
      );
      return;
    }
    const value = crudiniValue(rest);
    const lib = libraryValue(`${rawKey}=${rest}`);
    if (lib !== value) {
      problem(
        n,
        `value of "${rawKey}" reads as ${JSON.stringify(value)} for crudini but ${
          lib === undefined ? "not at all" : JSON.stringify(lib)
        } for reactor`,
        disagreementFix(value),
      );
      return;
    }
    current.entries.set(key, { key, rawKey, value, line: n });
  });
  return { file, sections, problems };
}
