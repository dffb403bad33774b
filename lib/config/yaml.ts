/**
 * Read one `reactor.yaml`: parse with positions, so that every problem found later in any part
 * of it (rules, hook settings, the Docker hosts) is `file:line:col: …`. Locating a field is
 * linear in its depth (each map's keys are indexed once), so a file with 60,000 rules validates
 * in linear time.
 *
 * @module
 */
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from "yaml";
import { type FieldPath, type Locate, Problems } from "./problems.ts";
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

type Pair = YAMLMap["items"][number];

/** Parse YAML text. `file` is used in messages only. */
export function parseYamlText(text: string, file: string): YamlDoc & { ok: boolean } {
  const lc = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lc,
    prettyErrors: false,
    uniqueKeys: true,
    merge: true,
  });
  const pos = (offset: number) => {
    const { line, col } = lc.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  if (doc.errors.length) {
    const problems = new Problems(() => file);
    for (const e of doc.errors) {
      const msg = e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
      problems.plain(`${pos(e.pos[0])}: ${truncateLine(msg)} — ${yamlFix(e.code)}`);
    }
    return { value: undefined, problems, ok: false };
  }
  const index = new WeakMap<YAMLMap, Map<string, Pair>>();
  const pairOf = (node: YAMLMap, key: string): Pair | undefined => {
    let m = index.get(node);
    if (!m) {
      m = new Map();
      for (const it of node.items) {
        if (isScalar(it.key)) {
          const k = String(it.key.value);
          if (!m.has(k)) m.set(k, it);
          const lower = `\0${k.toLowerCase()}`;
          if (!m.has(lower)) m.set(lower, it);
        }
      }
      index.set(node, m);
    }
    return m.get(key) ?? m.get(`\0${key.toLowerCase()}`);
  };
  const locate: Locate = (path: FieldPath, opts?: { key?: boolean }): string => {
    let node: unknown = doc.contents;
    let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = pairOf(node, String(seg));
        if (!pair) break;
        const keyNode = pair.key as Node;
        const valueNode = pair.value as Node | null;
        if (last && (opts?.key || !valueNode?.range)) {
          offset = keyNode.range?.[0] ?? offset;
          break;
        }
        offset = valueNode?.range?.[0] ?? keyNode.range?.[0] ?? offset;
        node = valueNode;
      } else if (isSeq(node) && typeof seg === "number") {
        const item = node.items[seg] as Node | undefined;
        if (!item) break;
        offset = item.range?.[0] ?? offset;
        node = item;
      } else break;
    }
    return pos(offset);
  };
  return { value: doc.toJS({ maxAliasCount: 100 }), problems: new Problems(locate), ok: true };
}

/** Keep a parser message (which may quote the input) to one readable line. */
function truncateLine(msg: string): string {
  return msg.length > 160 ? `${msg.slice(0, 160)}…` : msg;
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
  return parseYamlText(await readConfigText(path), path);
}

/** Parse and validate YAML text into one file's part (for tests and tools). */
export function loadYamlText(
  text: string,
  file: string,
  registry: readonly BuiltinHook[] = [],
): { part: ConfigPart; problems: string[] } {
  const doc = parseYamlText(text, file);
  if (!doc.ok) return { part: emptyPart(), problems: doc.problems.list };
  const part = validateYaml(doc.value, doc.problems, registry);
  return { part, problems: doc.problems.list };
}
