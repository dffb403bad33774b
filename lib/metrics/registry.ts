/**
 * A small metrics registry: counters, gauges and histograms with labels, rendered in the
 * Prometheus text format 0.0.4. No global state: each {@link Registry} owns its families.
 * Misuse (bad names, missing labels, a negative counter increment) is a programming error and
 * throws `TypeError`.
 *
 * @module
 */
import {
  formatHeader,
  formatLabels,
  formatValue,
  isLabelName,
  isMetricName,
} from "./exposition.ts";

/** Label values keyed by label name. */
export type LabelValues<L extends string> = { readonly [K in L]: string };

/** Default histogram buckets in seconds (5 ms … 60 s; hooks are commands and HTTP calls). */
export const DEFAULT_BUCKETS: readonly number[] = [
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  30,
  60,
];

interface Series<T> {
  readonly values: readonly string[];
  data: T;
}

/** What every family shares: name, help, label names and its series. */
abstract class Family<L extends string, T> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  protected readonly series = new Map<string, Series<T>>();

  constructor(name: string, help: string, labelNames: readonly L[]) {
    if (!isMetricName(name)) throw new TypeError(`Invalid metric name "${name}"`);
    for (const l of labelNames) {
      if (!isLabelName(l) || l === "le") {
        throw new TypeError(`Invalid label name "${l}" for metric "${name}"`);
      }
    }
    if (new Set(labelNames).size !== labelNames.length) {
      throw new TypeError(`Duplicate label name for metric "${name}"`);
    }
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
  }

  /** The Prometheus type name. */
  abstract readonly type: string;

  /** Render this family (header and samples). */
  abstract render(): string;

  protected abstract initial(): T;

  protected entry(labels: LabelValues<L> | undefined): Series<T> {
    const values = this.labelNames.map((l) => {
      const v = (labels as Record<string, unknown> | undefined)?.[l];
      if (typeof v !== "string") {
        throw new TypeError(`Metric "${this.name}" needs a string value for label "${l}"`);
      }
      return v;
    });
    const key = JSON.stringify(values);
    let s = this.series.get(key);
    if (!s) {
      s = { values, data: this.initial() };
      this.series.set(key, s);
    }
    return s;
  }

  protected find(labels: LabelValues<L> | undefined): Series<T> | undefined {
    const values = this.labelNames.map((l) => (labels as Record<string, string> | undefined)?.[l]);
    return this.series.get(JSON.stringify(values));
  }

  protected pairs(values: readonly string[]): [string, string][] {
    return this.labelNames.map((l, i) => [l, values[i]!]);
  }

  /** Number of label combinations seen. */
  get size(): number {
    return this.series.size;
  }

  /** Forget every series. */
  clear(): void {
    this.series.clear();
  }

  /** Forget one series. */
  remove(labels: LabelValues<L>): void {
    const values = this.labelNames.map((l) => labels[l]);
    this.series.delete(JSON.stringify(values));
  }
}

/** A value that only goes up. Unlabelled counters are exposed as 0 before the first `inc`. */
export class Counter<L extends string = never> extends Family<L, number> {
  readonly type = "counter";

  constructor(name: string, help: string, labelNames: readonly L[] = []) {
    super(name, help, labelNames);
    if (labelNames.length === 0) this.entry(undefined);
  }

  protected initial(): number {
    return 0;
  }

  /** Add `by` (default 1, never negative). */
  inc(labels?: LabelValues<L>, by = 1): void {
    if (!(by >= 0)) throw new TypeError(`Counter "${this.name}" cannot go down (inc by ${by})`);
    this.entry(labels).data += by;
  }

  /** Current value (0 when never incremented). */
  get(labels?: LabelValues<L>): number {
    return this.find(labels)?.data ?? 0;
  }

  render(): string {
    let out = formatHeader(this.name, this.help, this.type);
    for (const s of this.series.values()) {
      out += `${this.name}${formatLabels(this.pairs(s.values))} ${formatValue(s.data)}\n`;
    }
    return out;
  }
}

/** A value that goes up and down. */
export class Gauge<L extends string = never> extends Family<L, number> {
  readonly type = "gauge";

  protected initial(): number {
    return 0;
  }

  /** Set the value. */
  set(labels: LabelValues<L> | undefined, value: number): void {
    this.entry(labels).data = value;
  }

  /** Add `by` (default 1; may be negative). */
  inc(labels?: LabelValues<L>, by = 1): void {
    this.entry(labels).data += by;
  }

  /** Current value, or undefined when never set. */
  get(labels?: LabelValues<L>): number | undefined {
    return this.find(labels)?.data;
  }

  render(): string {
    let out = formatHeader(this.name, this.help, this.type);
    for (const s of this.series.values()) {
      out += `${this.name}${formatLabels(this.pairs(s.values))} ${formatValue(s.data)}\n`;
    }
    return out;
  }
}

interface HistogramData {
  /** Non-cumulative count per bucket (last = above the largest bound). */
  counts: number[];
  sum: number;
  count: number;
}

/** Observations counted into cumulative buckets, with `_sum` and `_count`. */
export class Histogram<L extends string = never> extends Family<L, HistogramData> {
  readonly type = "histogram";
  readonly buckets: readonly number[];

  constructor(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    buckets: readonly number[] = DEFAULT_BUCKETS,
  ) {
    super(name, help, labelNames);
    if (
      buckets.length === 0 || buckets.some((b, i) =>
        !Number.isFinite(b) || b <= (buckets[i - 1] ??
            -Infinity)
      )
    ) {
      throw new TypeError(`Histogram "${name}" needs finite, strictly increasing buckets`);
    }
    this.buckets = [...buckets];
  }

  protected initial(): HistogramData {
    return { counts: new Array(this.buckets.length + 1).fill(0), sum: 0, count: 0 };
  }

  /** Record one observation. NaN is ignored. */
  observe(labels: LabelValues<L> | undefined, value: number): void {
    if (Number.isNaN(value)) return;
    const d = this.entry(labels).data;
    let i = this.buckets.findIndex((b) => value <= b);
    if (i < 0) i = this.buckets.length;
    d.counts[i]!++;
    d.sum += value;
    d.count++;
  }

  /** Count and sum of one series. */
  get(labels?: LabelValues<L>): { count: number; sum: number } {
    const d = this.find(labels)?.data;
    return { count: d?.count ?? 0, sum: d?.sum ?? 0 };
  }

  render(): string {
    let out = formatHeader(this.name, this.help, this.type);
    for (const s of this.series.values()) {
      const base = this.pairs(s.values);
      let cumulative = 0;
      this.buckets.forEach((b, i) => {
        cumulative += s.data.counts[i]!;
        out += `${this.name}_bucket${
          formatLabels([...base, ["le", formatValue(b)]])
        } ${cumulative}\n`;
      });
      out += `${this.name}_bucket${formatLabels([...base, ["le", "+Inf"]])} ${s.data.count}\n`;
      out += `${this.name}_sum${formatLabels(base)} ${formatValue(s.data.sum)}\n`;
      out += `${this.name}_count${formatLabels(base)} ${s.data.count}\n`;
    }
    return out;
  }
}

/** Samples of a {@link Collected} family: label values and a value. */
export type Samples<L extends string> = Iterable<readonly [LabelValues<L>, number]>;

/**
 * A counter or gauge whose samples are read at render time (queue depth, host states, process
 * stats). A collector that throws yields no samples for that render (the header stays).
 */
export class Collected<L extends string = never> extends Family<L, never> {
  readonly type: "counter" | "gauge";
  readonly #collect: () => Samples<L>;

  constructor(
    name: string,
    help: string,
    init: { type: "counter" | "gauge"; labelNames?: readonly L[]; collect: () => Samples<L> },
  ) {
    super(name, help, init.labelNames ?? []);
    this.type = init.type;
    this.#collect = init.collect;
  }

  protected initial(): never {
    throw new TypeError(`Metric "${this.name}" is collected, not set`);
  }

  render(): string {
    let out = formatHeader(this.name, this.help, this.type);
    let samples: (readonly [LabelValues<L>, number])[];
    try {
      samples = [...this.#collect()];
    } catch {
      return out;
    }
    for (const [labels, value] of samples) {
      const pairs = this.labelNames.map((l): [string, string] => [l, String(labels[l] ?? "")]);
      out += `${this.name}${formatLabels(pairs)} ${formatValue(value)}\n`;
    }
    return out;
  }
}

/** Any family. */
export type Metric = Counter<string> | Gauge<string> | Histogram<string> | Collected<string>;

/**
 * A set of metric families rendered together.
 *
 * @example
 * ```ts
 * import { Registry } from "./registry.ts";
 * const r = new Registry();
 * const events = r.counter("demo_events_total", "Events seen.", ["host"]);
 * events.inc({ host: "edge" });
 * r.render(); // "# HELP demo_events_total Events seen.\n# TYPE …"
 * ```
 */
export class Registry {
  readonly #families = new Map<string, Metric>();

  /** Register a counter. */
  counter<L extends string = never>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
  ): Counter<L> {
    return this.#add(new Counter<L>(name, help, labelNames));
  }

  /** Register a gauge. */
  gauge<L extends string = never>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
  ): Gauge<L> {
    return this.#add(new Gauge<L>(name, help, labelNames));
  }

  /** Register a histogram. */
  histogram<L extends string = never>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    buckets: readonly number[] = DEFAULT_BUCKETS,
  ): Histogram<L> {
    return this.#add(new Histogram<L>(name, help, labelNames, buckets));
  }

  /** Register a family read at render time. */
  collected<L extends string = never>(
    name: string,
    help: string,
    init: { type: "counter" | "gauge"; labelNames?: readonly L[]; collect: () => Samples<L> },
  ): Collected<L> {
    return this.#add(new Collected<L>(name, help, init));
  }

  #add<M extends Metric>(m: M): M {
    if (this.#families.has(m.name)) {
      throw new TypeError(`Metric "${m.name}" is already registered`);
    }
    this.#families.set(m.name, m);
    return m;
  }

  /** Render every family, in registration order. */
  render(): string {
    let out = "";
    for (const f of this.#families.values()) out += f.render();
    return out;
  }
}
