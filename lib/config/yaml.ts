/**
 * Read one `reactor.yaml`: parse with positions, so that every problem found later in any part
 * of it (rules, hook settings, the Docker hosts) is `file:line:col: …`. Parsing and locating are
 * linear (`yaml_positions.ts`), so a file with 60,000 rules validates in about a second. Only a
 * file with broken syntax loads the second parser (the `yaml` package) to explain it.
 *
 * @module
 */
import { type FieldPath, type Locate, Problems } from "./problems.ts";
import {
  lineIndex,
  parsePositioned,
  type PositionedYaml,
  type YamlSyntaxError,
} from "./yaml_positions.ts";
import { readConfigText } from "./read_file.ts";
import type { BuiltinHook } from "./builtin.ts";
import type { ConfigPart } from "./model.ts";
import { emptyPart, validateYaml } from "./validate.ts";

/** A parsed YAML file: its value and how to locate a field in it. */
export interface YamlDoc {
  /** The plain JavaScript value (undefined when the syntax is broken). */
  readonly value: unknown;
  /** Problems (syntax errors, and later everything validators find), located in this file. */
  readonly problems: Problems;
}

/** Most syntax problems listed for one file (a binary or badly broken file gives many). */
const MAX_SYNTAX_PROBLEMS = 20;

/** Parse YAML text. `file` is used in messages only. */
export async function parseYamlText(
  text: string,
  file: string,
): Promise<YamlDoc & { ok: boolean }> {
  const at = lineIndex(text);
  const pos = (offset: number) => {
    const { line, col } = at(offset);
    return `${file}:${line}:${col}`;
  };
  // deno-lint-ignore no-control-regex
  const binary = /[\u0000\ufffd]/.exec(text);
  if (binary) {
    const problems = new Problems(() => file);
    problems.plain(
      `${
        pos(binary.index)
      }: not a text file (binary data here) — pass a YAML (.yaml) or TypeScript (.ts) config`,
    );
    return { value: undefined, problems, ok: false };
  }
  let parsed: PositionedYaml;
  try {
    parsed = parsePositioned(text);
  } catch (err) {
    return {
      value: undefined,
      problems: await explainSyntax(text, file, err as YamlSyntaxError),
      ok: false,
    };
  }
  const locate: Locate = (path: FieldPath, opts?: { key?: boolean }) =>
    pos(parsed.offsetOf(path, !!opts?.key));
  return { value: parsed.value, problems: new Problems(locate), ok: true };
}

/**
 * Problems for a file js-yaml refused: the `yaml` package explains syntax errors better (with a
 * code we map to a fix), so it reads the file again (only broken files pay for it).
 */
async function explainSyntax(
  text: string,
  file: string,
  e: YamlSyntaxError,
): Promise<Problems> {
  const problems = new Problems(() => file);
  if (/duplicated mapping key/.test(e.reason)) {
    problems.plain(
      `${file}:${e.line}:${e.col}: Map keys must be unique — ${yamlFix("DUPLICATE_KEY")}`,
    );
    return problems;
  }
  const { LineCounter, parseDocument } = await import("yaml");
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: false });
  for (const err of doc.errors.slice(0, MAX_SYNTAX_PROBLEMS)) {
    const msg = err.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
    const { line, col } = lc.linePos(err.pos[0]);
    problems.plain(`${file}:${line}:${col}: ${shorten(msg)} — ${yamlFix(err.code)}`);
  }
  if (doc.errors.length > MAX_SYNTAX_PROBLEMS) {
    problems.plain(
      `${file}: … and ${doc.errors.length - MAX_SYNTAX_PROBLEMS} more YAML syntax problems`,
    );
  }
  if (!doc.errors.length) {
    problems.plain(`${file}:${e.line}:${e.col}: ${shorten(e.reason)} — fix the YAML syntax there`);
  }
  return problems;
}

/** A parser message (which may quote the input) kept to a readable length. */
function shorten(msg: string): string {
  return msg.replace(/"((?:[^"\\]|\\.){60,})"/g, (_m, q: string) => `"${q.slice(0, 60)}…"`);
}

function yamlFix(code: string): string {
  switch (code) {
    case "DUPLICATE_KEY":
      return "each key may appear once: rename or merge the duplicate";
    case "TAB_AS_INDENT":
      return "indent with spaces, not tabs";
    case "BAD_INDENT":
    case "MISSING_CHAR":
    case "UNEXPECTED_TOKEN":
      return "check indentation and closing brackets/quotes on this line";
    case "MULTILINE_IMPLICIT_KEY":
      return "a key must fit on one line: add the missing `:` or quote the text";
    case "BLOCK_AS_IMPLICIT_KEY":
      return "a map key cannot be a block: check the indentation above";
    default:
      return "fix the YAML syntax";
  }
}

/** Read and parse a YAML file. */
export async function parseYamlFile(path: string): Promise<YamlDoc & { ok: boolean }> {
  return await parseYamlText(await readConfigText(path), path);
}

/** Parse and validate YAML text into one file's part (for tests and tools). */
export async function loadYamlText(
  text: string,
  file: string,
  registry: readonly BuiltinHook[] = [],
): Promise<{ part: ConfigPart; problems: string[] }> {
  const doc = await parseYamlText(text, file);
  if (!doc.ok) return { part: emptyPart(), problems: doc.problems.list };
  const part = validateYaml(doc.value, doc.problems, registry);
  return { part, problems: doc.problems.list };
}
