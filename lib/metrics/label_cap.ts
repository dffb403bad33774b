/**
 * A cap on the cardinality of a label: the first `max` distinct values are kept, every later one
 * folds into {@link OTHER}. Keeps a host that creates containers with random names from growing
 * the scrape (and Prometheus) without bound.
 *
 * @module
 */

/** The label value that stands for every value past the cap. */
export const OTHER = "_other";

/**
 * Admits up to `max` distinct keys.
 *
 * @example
 * ```ts
 * import { LabelCap } from "./label_cap.ts";
 * const cap = new LabelCap(1);
 * cap.admit("web"); // "web"
 * cap.admit("db"); // "_other"
 * cap.folded; // 1
 * ```
 */
export class LabelCap {
  readonly max: number;
  readonly #seen = new Set<string>();
  #folded = 0;

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 0) {
      throw new TypeError(`LabelCap max must be a whole number ≥ 0, got ${max}`);
    }
    this.max = max;
  }

  /** `value` when it is known or there is room for it, else {@link OTHER} (counted). */
  admit(value: string, key: string = value): string {
    if (this.#seen.has(key)) return value;
    if (this.#seen.size < this.max) {
      this.#seen.add(key);
      return value;
    }
    this.#folded++;
    return OTHER;
  }

  /** Distinct keys admitted. */
  get size(): number {
    return this.#seen.size;
  }

  /** Values folded into {@link OTHER} so far. */
  get folded(): number {
    return this.#folded;
  }
}
