/**
 * Bench result rows and their markdown table (kept apart from `run.ts`: a bench module that
 * imported the entry module would deadlock on its top-level await).
 *
 * @module
 */

/** One result row. */
export interface Row {
  metric: string;
  reactor: number;
  baseline: number;
  unit: string;
  baselineName: string;
}

/** Print rows as a markdown table. */
export function table(rows: Row[]): string {
  const f = (x: number) => Number.isFinite(x) ? x.toFixed(x < 10 ? 2 : 1) : "n/a";
  const lines = [
    "| metric | reactor | baseline | ratio | baseline is |",
    "|---|---:|---:|---:|---|",
    ...rows.map((r) =>
      `| ${r.metric} | ${f(r.reactor)} ${r.unit} | ${f(r.baseline)} ${r.unit} | ${
        f(r.reactor / r.baseline)
      }× | ${r.baselineName} |`
    ),
  ];
  return lines.join("\n");
}
