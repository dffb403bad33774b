/**
 * Typed field readers over a map value at a field path: each reader returns the value or
 * undefined, and reports a problem at that field when the value is there but wrong. Used by the
 * rules, the TypeScript handlers, every built-in hook's settings and the Docker hosts section,
 * so they all speak one grammar (one duration syntax, one boolean syntax) and one message style.
 *
 * @module
 */
import { parseDuration } from "../util/duration.ts";
import { type FieldPath, isMap, kind, type Problems, quote } from "./problems.ts";

/** Options of {@link Fields}. */
export interface FieldsOptions {
  /** Keys match regardless of case (`healthCheck` = `healthcheck`), as in the hosts section. */
  caseInsensitive?: boolean;
}

/** Options shared by the readers. */
export interface ReadOptions {
  /** Report a missing value (with this fix) instead of returning undefined. */
  required?: string;
  /** What the value should be, for the message (`a network name`); default per reader. */
  expected?: string;
  /** The fix appended to a type problem (`e.g. network: bridge`). */
  hint?: string;
}

/** Reads the fields of one map. */
export class Fields {
  readonly problems: Problems;
  readonly path: FieldPath;
  readonly value: Record<string, unknown>;
  readonly #ci: boolean;

  constructor(
    problems: Problems,
    path: FieldPath,
    value: Record<string, unknown>,
    opts: FieldsOptions = {},
  ) {
    this.problems = problems;
    this.path = path;
    this.value = value;
    this.#ci = !!opts.caseInsensitive;
  }

  /** Read `value` as a map of fields, or report that it is not one. */
  static of(
    problems: Problems,
    path: FieldPath,
    value: unknown,
    what: string,
    opts: FieldsOptions = {},
  ): Fields | undefined {
    if (!isMap(value) || typeof value === "function") {
      problems.add(path, `expected ${what}, got ${kind(value)}`);
      return undefined;
    }
    return new Fields(problems, path, value, opts);
  }

  /** The raw value of `key` (undefined and null both mean "not set"). */
  raw(key: string): unknown {
    const k = this.#find(key);
    const v = k === undefined ? undefined : this.value[k];
    return v === null ? undefined : v;
  }

  /** True when `key` is set. */
  has(key: string): boolean {
    return this.raw(key) !== undefined;
  }

  /** Path of `key`, spelled as documented (the canonical key). */
  at(key: string | number): FieldPath {
    return [...this.path, key];
  }

  /** Report every key not in `known` (with "did you mean"); `noun` names what a key is. */
  only(known: readonly string[], what: string, noun = "key"): void {
    const lower = new Set(known.map((k) => this.#norm(k)));
    for (const k of Object.keys(this.value)) {
      if (!lower.has(this.#norm(k))) this.problems.unknownKey(this.path, k, known, what, noun);
    }
  }

  /** Report a problem at `key`. */
  problem(key: string | number, message: string): void {
    this.problems.add(this.at(key), message);
  }

  /**
   * A string (non-empty unless `allowEmpty`). With `pattern` and `expected`, a mismatch reads
   * like a type problem (`expected an absolute directory path, got string "srv" — e.g. …`).
   */
  string(
    key: string,
    opts: ReadOptions & { allowEmpty?: boolean; pattern?: RegExp } = {},
  ): string | undefined {
    const v = this.#get(key, opts);
    if (v === undefined) return undefined;
    if (typeof v !== "string") {
      const quoteIt = typeof v === "number" || typeof v === "boolean"
        ? ` — quote it: "${String(v)}"`
        : "";
      this.#wrongType(key, v, "a string", opts, quoteIt);
      return undefined;
    }
    if (!v && !opts.allowEmpty) {
      if (opts.expected) this.#wrongType(key, v, "a string", opts);
      else this.problem(key, `is empty — ${opts.hint ?? "give a value or remove the key"}`);
      return undefined;
    }
    if (opts.pattern && !opts.pattern.test(v)) {
      if (opts.expected) this.#wrongType(key, v, "a string", opts);
      else this.problem(key, `${quote(v)} is not valid — ${opts.hint ?? `match ${opts.pattern}`}`);
      return undefined;
    }
    return v;
  }

  /** One of `values`. */
  oneOf<T extends string>(
    key: string,
    values: readonly T[],
    opts: ReadOptions = {},
  ): T | undefined {
    const v = this.string(key, opts);
    if (v === undefined) return undefined;
    if (!(values as readonly string[]).includes(v)) {
      this.problem(key, `${quote(v)} is not allowed — use ${values.join(", ")}`);
      return undefined;
    }
    return v as T;
  }

  /** A boolean: true/false (also `1`/`0`, `yes`/`no`, `on`/`off` as strings, for INI and env). */
  bool(key: string, opts: ReadOptions = {}): boolean | undefined {
    const v = this.#get(key, opts);
    if (v === undefined) return undefined;
    const b = toBool(v);
    if (b === undefined) {
      this.problem(key, `${describe(v)} is not a boolean — use true or false`);
    }
    return b;
  }

  /** A whole number within bounds. */
  int(key: string, opts: ReadOptions & { min?: number; max?: number } = {}): number | undefined {
    const v = this.#get(key, opts);
    if (v === undefined) return undefined;
    const n = typeof v === "string" && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v;
    const min = opts.min ?? -Infinity, max = opts.max ?? Infinity;
    if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
      const range = Number.isFinite(min) && Number.isFinite(max)
        ? ` from ${min} to ${max}`
        : Number.isFinite(min)
        ? ` of at least ${min}`
        : "";
      this.#wrongType(key, v, `a whole number${range}`, opts);
      return undefined;
    }
    return n;
  }

  /** A duration in ms (one grammar everywhere: seconds, or `500ms`, `30s`, `1m30s`). */
  duration(key: string, opts: ReadOptions & { positive?: boolean } = {}): number | undefined {
    const v = this.#get(key, opts);
    if (v === undefined) return undefined;
    const d = parseDuration(v);
    if (typeof d !== "number") {
      this.problem(key, d.error);
      return undefined;
    }
    if (opts.positive && d <= 0) {
      this.problem(key, `must be greater than zero — e.g. "30s", or remove it for the default`);
      return undefined;
    }
    return d;
  }

  /** A list of strings. */
  strings(key: string, opts: ReadOptions & { nonEmpty?: boolean } = {}): string[] | undefined {
    const v = this.#get(key, opts);
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) {
      this.#wrongType(key, v, "a list of strings", { hint: 'e.g. ["a", "b"]', ...opts });
      return undefined;
    }
    if (opts.nonEmpty && v.length === 0) {
      this.problem(key, `is empty — give at least one value, or remove the key`);
      return undefined;
    }
    return [...v];
  }

  /** A nested map, as {@link Fields}. */
  map(key: string, opts: ReadOptions & FieldsOptions = {}): Fields | undefined {
    const v = this.#get(key, opts);
    if (v === undefined) return undefined;
    if (!isMap(v) || typeof v === "function") {
      this.#wrongType(key, v, "a map", opts);
      return undefined;
    }
    return new Fields(this.problems, this.at(key), v, {
      caseInsensitive: opts.caseInsensitive ?? this.#ci,
    });
  }

  #wrongType(key: string, v: unknown, dflt: string, opts: ReadOptions, extra = ""): void {
    const hint = extra || (opts.hint ? ` — ${opts.hint}` : "");
    this.problem(key, `expected ${opts.expected ?? dflt}, got ${kind(v)}${hint}`);
  }

  #get(key: string, opts: ReadOptions): unknown {
    const v = this.raw(key);
    if (v === undefined && opts.required) this.problem(key, `is required — ${opts.required}`);
    return v;
  }

  #norm(k: string): string {
    return this.#ci ? k.toLowerCase() : k;
  }

  #find(key: string): string | undefined {
    if (Object.hasOwn(this.value, key)) return key;
    if (!this.#ci) return undefined;
    const want = key.toLowerCase();
    return Object.keys(this.value).find((k) => k.toLowerCase() === want);
  }
}

/** true/false, or the strings `1`/`0`, `true`/`false`, `yes`/`no`, `on`/`off`. */
export function toBool(v: unknown): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (v === 1 || v === 0) return v === 1;
  if (typeof v !== "string") return undefined;
  const s = v.trim().toLowerCase();
  if (["true", "1", "yes", "on"].includes(s)) return true;
  if (["false", "0", "no", "off"].includes(s)) return false;
  return undefined;
}

function describe(v: unknown): string {
  return typeof v === "string" ? quote(v) : kind(v);
}
