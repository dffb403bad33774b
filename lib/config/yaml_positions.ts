/**
 * Fast YAML reading with positions: `js-yaml` builds the value (linear, about 15× faster than
 * the `yaml` package on a 7 MB file) while its node listener records where every mapping key,
 * value and sequence item starts, so any field path can be located as `line:col`.
 *
 * @module
 */
// @ts-types="@types/js-yaml"
import jsyaml from "js-yaml";
import type { FieldPath } from "./problems.ts";

/** Where a node starts, and its children. */
interface PosNode {
  readonly pos: number;
  /** Mapping entries by key (and by lower-case key, prefixed with NUL, for the hosts section). */
  keys?: Map<string, { keyPos: number; value: PosNode }>;
  items?: PosNode[];
}

/** YAML 1.2 core schema plus merge keys (`<<: *anchor`), as the `yaml` package reads it. */
const SCHEMA = jsyaml.CORE_SCHEMA.extend({
  // `types` is exported by js-yaml 4 but missing from its type definitions
  implicit: [(jsyaml as unknown as { types: { merge: jsyaml.Type } }).types.merge],
});

/** Most alias references accepted in one file (guards against alias bombs). */
export const MAX_ALIASES = 100;

/** A syntax problem js-yaml found. */
export interface YamlSyntaxError {
  readonly reason: string;
  readonly line: number;
  readonly col: number;
}

/** The parsed value and a function from field path to offset. */
export interface PositionedYaml {
  readonly value: unknown;
  /** Offset of the key (`key: true`) or value at `path`, or of its deepest existing ancestor. */
  offsetOf(path: FieldPath, key: boolean): number;
}

/** Parse `text`; throws {@link YamlSyntaxError}-shaped errors (`reason`, 1-based line/col). */
export function parsePositioned(text: string): PositionedYaml {
  const stack: { pos: number; children: { node: PosNode; result: unknown }[] }[] = [];
  let root: PosNode | undefined;
  let aliases = 0;
  const listener = (
    ev: string,
    state: { position: number; kind: string | null; result: unknown },
  ) => {
    if (ev === "open") {
      stack.push({ pos: state.position, children: [] });
      return;
    }
    const f = stack.pop()!;
    const node: PosNode = { pos: skipSpace(text, f.pos) };
    if (text.charCodeAt(node.pos) === 42 /* * */ && ++aliases > MAX_ALIASES) {
      throw Object.assign(new Error("too many aliases"), {
        reason:
          `more than ${MAX_ALIASES} alias references (*name) — expand the config, or use fewer aliases`,
        mark: { line: lineOf(text, node.pos), column: 0 },
      });
    }
    if (state.kind === "mapping") {
      node.keys = new Map();
      for (let i = 0; i + 1 < f.children.length; i += 2) {
        const k = String(f.children[i]!.result);
        const entry = { keyPos: f.children[i]!.node.pos, value: f.children[i + 1]!.node };
        if (!node.keys.has(k)) node.keys.set(k, entry);
        const lower = `\0${k.toLowerCase()}`;
        if (!node.keys.has(lower)) node.keys.set(lower, entry);
      }
    } else if (state.kind === "sequence") node.items = f.children.map((c) => c.node);
    const parent = stack.at(-1);
    if (parent) parent.children.push({ node, result: state.result });
    else root = node;
  };
  let value: unknown;
  try {
    value = jsyaml.load(text, { schema: SCHEMA, listener } as jsyaml.LoadOptions);
  } catch (err) {
    const e = err as { reason?: string; message?: string; mark?: { line: number; column: number } };
    throw {
      reason: e.reason ?? e.message ?? String(err),
      line: (e.mark?.line ?? 0) + 1,
      col: (e.mark?.column ?? 0) + 1,
    } satisfies YamlSyntaxError;
  }
  const top = root;
  return {
    value,
    offsetOf(path, key) {
      let node = top;
      let offset = node?.pos ?? 0;
      for (let i = 0; node && i < path.length; i++) {
        const seg = path[i]!;
        const last = i === path.length - 1;
        if (node.keys) {
          const e = node.keys.get(String(seg)) ?? node.keys.get(`\0${String(seg).toLowerCase()}`);
          if (!e) break;
          if (last && key) return e.keyPos;
          offset = e.value.pos;
          node = e.value;
        } else if (node.items && typeof seg === "number") {
          const item = node.items[seg];
          if (!item) break;
          offset = item.pos;
          node = item;
        } else break;
      }
      return offset;
    },
  };
}

/** The first offset at or after `pos` that is not a space, line break or comment. */
function skipSpace(text: string, pos: number): number {
  let p = pos;
  while (p < text.length) {
    const c = text.charCodeAt(p);
    if (c === 35 /* # */ && (p === 0 || /\s/.test(text[p - 1]!))) {
      const nl = text.indexOf("\n", p);
      if (nl < 0) break;
      p = nl + 1;
      continue;
    }
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
    p++;
  }
  return p < text.length ? p : pos;
}

function lineOf(text: string, pos: number): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < pos; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/** Offsets → 1-based `line:col`, with the line starts indexed once. */
export function lineIndex(text: string): (offset: number) => { line: number; col: number } {
  const starts = [0];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0, hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - starts[lo]! + 1 };
  };
}
