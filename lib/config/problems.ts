/**
 * The validation toolkit's core: a list of problems, each one line
 * `<where>: <field path>: <what is wrong> — <how to fix it>`. `<where>` comes from a
 * {@link Locate} (`file:line:col` in YAML, the file for TypeScript, a flag or an environment
 * variable for values given there), so every validator reports positions the same way.
 *
 * @module
 */

/** A field path: keys and list indexes. */
export type FieldPath = readonly (string | number)[];

/** Maps a field path to a location prefix (`file:line:col`, `file`, `--flag`, ``). */
export type Locate = (path: FieldPath, opts?: { key?: boolean }) => string;

/** Render `events_reactor["My rule"].run[2]`. */
export function formatPath(path: FieldPath): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** Collects problems with their locations. */
export class Problems {
  readonly list: string[] = [];
  readonly locate: Locate;
  readonly #origins = new Map<string, string>();

  constructor(locate: Locate = () => "") {
    this.locate = locate;
  }

  /**
   * Record that the value at `path` was given by a flag or an environment variable (`-H`,
   * `--label-prefix`, `REACTOR_DOCKER_HOSTS_LOCAL_DISABLED`) rather than a file: its problems
   * then name that flag or variable instead of a file position.
   */
  origin(path: FieldPath, name: string): void {
    this.#origins.set(formatPath(path), name);
  }

  /** Number of problems so far (compare before/after to see whether a part was valid). */
  get count(): number {
    return this.list.length;
  }

  /** Add a problem at `path` (`key`: point at the key rather than its value). */
  add(path: FieldPath, message: string, opts: { key?: boolean } = {}): void {
    const shown = formatPath(path);
    const origin = this.#origins.get(shown);
    if (origin) {
      this.list.push(`${origin}: ${message}`);
      return;
    }
    const parts = [this.locate(path, opts), shown].filter(Boolean);
    this.list.push(parts.length ? `${parts.join(": ")}: ${message}` : message);
  }

  /** Add a problem that is not about a field (an unknown environment variable, a file). */
  plain(message: string): void {
    this.list.push(message);
  }

  /** An unknown key, with "did you mean" and the keys that are allowed. */
  unknownKey(
    path: FieldPath,
    key: string,
    known: readonly string[],
    what: string,
    noun = "key",
  ): void {
    this.add(
      [...path, key],
      `unknown ${noun}${suggest(key, known)} — ${what} takes ${known.join(", ")}`,
      { key: true },
    );
  }
}

/** ` (did you mean "name"?)` when `word` is close to one of `known`, else "". */
export function suggest(word: string, known: readonly string[]): string {
  let best = "";
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(word.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best && bestD <= Math.max(1, Math.floor(best.length / 3))
    ? ` (did you mean "${best}"?)`
    : "";
}

/** Optimal string alignment distance (adjacent transpositions count as one edit). */
function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return Math.abs(a.length - b.length);
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push(Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  }
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      }
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}

/** Longest quoted input shown in a message. */
const MAX_QUOTE = 80;

/** `"value"` for messages, truncated to about 80 characters with an ellipsis. */
export function quote(value: string): string {
  const q = JSON.stringify(value);
  return q.length > MAX_QUOTE + 2 ? `${q.slice(0, MAX_QUOTE + 1)}…"` : q;
}

/** Describe a value's kind for messages (`a list`, `a map`, `number 3`, `string "x"`). */
export function kind(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (value instanceof RegExp) return `regex ${truncate(String(value))}`;
  if (typeof value === "object") return "a map";
  if (typeof value === "function") return "a function";
  if (typeof value === "string") return `string ${quote(value)}`;
  return `${typeof value} ${truncate(String(value))}`;
}

/** Shorten any text shown back to the user (about 80 characters, with an ellipsis). */
export function truncate(text: string): string {
  return text.length > MAX_QUOTE ? `${text.slice(0, MAX_QUOTE)}…` : text;
}

/** A plain map (not a list, regex, function or null). */
export function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof RegExp);
}
