/**
 * Load one `reactor.yaml`: parse with positions (so every problem is `file:line:col: …`),
 * then validate.
 *
 * @module
 */
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import type { ConfigPart } from "./model.ts";
import { type FieldPath, validateYaml } from "./validate.ts";

/** Parse and validate YAML text. `file` is used in messages only. */
export function loadYamlText(text: string, file: string): { part: ConfigPart; problems: string[] } {
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
    return {
      part: { rules: [], handlers: [], builtins: {} },
      problems: doc.errors.map((e) => {
        const msg = e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
        return `${pos(e.pos[0])}: ${msg} — ${yamlFix(e.code)}`;
      }),
    };
  }
  const locate = (path: FieldPath, opts?: { key?: boolean }): string => {
    let node: unknown = doc.contents;
    let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((it) =>
          isScalar(it.key) && String(it.key.value) === String(seg)
        );
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
  return validateYaml(doc.toJS({ maxAliasCount: 100 }), locate);
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

/** Read and load a YAML file. */
export async function loadYamlFile(
  path: string,
): Promise<{ part: ConfigPart; problems: string[] }> {
  return loadYamlText(await Deno.readTextFile(path), path);
}

/**
 * Position of a dotted field path (`docker.hosts.edge.type`) in a YAML text, as `line:col`, or
 * undefined. Keys containing dots (`edge.1`) are matched greedily.
 */
export function yamlPosition(text: string, dotted: string): string | undefined {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, merge: true });
  if (doc.errors.length) return undefined;
  const segs = dotted.split(".");
  let node: unknown = doc.contents;
  let offset: number | undefined;
  let i = 0;
  while (i < segs.length) {
    if (!isMap(node)) return undefined;
    let found = false;
    for (let j = segs.length; j > i; j--) {
      const key = segs.slice(i, j).join(".");
      const pair = node.items.find((it) => isScalar(it.key) && String(it.key.value) === key);
      if (!pair) continue;
      offset = (pair.key as Node).range?.[0];
      node = pair.value;
      i = j;
      found = true;
      break;
    }
    if (!found) break;
  }
  if (offset === undefined) return undefined;
  const { line, col } = lc.linePos(offset);
  return `${line}:${col}`;
}
