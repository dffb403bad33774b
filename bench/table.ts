/**
 * Bench result rows and their markdown table (kept apart from `run.ts`: a bench module that
 * imported the entry module would deadlock on its top-level await).
 *
 * @module
 */

/** What a row must reach: a ratio against its baseline, or a bound on its own value. */
export interface Target {
  /** reactor / baseline must be at most this. */
  ratio?: number;
  /** reactor must be at most this (in the row's unit). */
  max?: number;
  /** reactor must be at least this (in the row's unit). */
  min?: number;
}

/** One result row. */
export interface Row {
  metric: string;
  reactor: number;
  /** The same measure for the baseline, in the same run (NaN: the row has none). */
  baseline: number;
  unit: string;
  baselineName: string;
  target?: Target;
}

/** Whether a row meets its target (undefined: no target). */
export function met(r: Row): boolean | undefined {
  const t = r.target;
  if (!t) return undefined;
  if (t.ratio !== undefined && !(r.reactor / r.baseline <= t.ratio)) return false;
  if (t.max !== undefined && !(r.reactor <= t.max)) return false;
  if (t.min !== undefined && !(r.reactor >= t.min)) return false;
  return true;
}

function num(x: number): string {
  if (!Number.isFinite(x)) return "n/a";
  if (Number.isInteger(x) || Math.abs(x) >= 10_000) return Math.round(x).toLocaleString("en-US");
  return x.toFixed(Math.abs(x) < 10 ? 2 : 1);
}

function targetText(r: Row): string {
  const t = r.target;
  if (!t) return "";
  const parts: string[] = [];
  if (t.ratio !== undefined) parts.push(`≤ ${t.ratio}×`);
  if (t.max !== undefined) parts.push(`≤ ${num(t.max)} ${r.unit}`);
  if (t.min !== undefined) parts.push(`≥ ${num(t.min)} ${r.unit}`);
  const ok = met(r);
  return `${parts.join(", ")} ${ok ? "✓" : "✗"}`;
}

/** Print rows as a markdown table. */
export function table(rows: Row[]): string {
  const lines = [
    "| metric | reactor | baseline | ratio | target | baseline is |",
    "|---|---:|---:|---:|---|---|",
    ...rows.map((r) => {
      const base = Number.isFinite(r.baseline) ? `${num(r.baseline)} ${r.unit}` : "—";
      const ratio = Number.isFinite(r.baseline) ? `${num(r.reactor / r.baseline)}×` : "—";
      return `| ${r.metric} | ${num(r.reactor)} ${r.unit} | ${base} | ${ratio} | ${
        targetText(r)
      } | ${r.baselineName} |`;
    }),
  ];
  return lines.join("\n");
}
