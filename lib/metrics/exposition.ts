/**
 * The Prometheus text exposition format, version 0.0.4: names, escaping and number formatting.
 * No `# EOF` line (that belongs to OpenMetrics, which this is not).
 *
 * @module
 */

/** The `Content-Type` of a scrape answer. */
export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * True when `name` is a valid metric name.
 *
 * @example
 * ```ts
 * import { isMetricName } from "./exposition.ts";
 * isMetricName("reactor_events_total"); // true
 * isMetricName("reactor-events"); // false
 * ```
 */
export function isMetricName(name: string): boolean {
  return METRIC_NAME.test(name);
}

/**
 * True when `name` is a valid label name (`__` prefixes are reserved for Prometheus).
 *
 * @example
 * ```ts
 * import { isLabelName } from "./exposition.ts";
 * isLabelName("host"); // true
 * isLabelName("__name__"); // false
 * ```
 */
export function isLabelName(name: string): boolean {
  return LABEL_NAME.test(name) && !name.startsWith("__");
}

/**
 * Escape a label value: backslash, double quote and line feed.
 *
 * @example
 * ```ts
 * import { escapeLabelValue } from "./exposition.ts";
 * escapeLabelValue('a"b\\c\nd'); // 'a\\"b\\\\c\\nd'
 * ```
 */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => c === "\n" ? "\\n" : `\\${c}`);
}

/**
 * Escape HELP text: backslash and line feed (quotes stay as they are).
 *
 * @example
 * ```ts
 * import { escapeHelp } from "./exposition.ts";
 * escapeHelp("one\ntwo"); // "one\\ntwo"
 * ```
 */
export function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => c === "\n" ? "\\n" : "\\\\");
}

/**
 * Format a sample value (`NaN`, `+Inf`, `-Inf`, or the shortest decimal form).
 *
 * @example
 * ```ts
 * import { formatValue } from "./exposition.ts";
 * formatValue(Infinity); // "+Inf"
 * formatValue(0.25); // "0.25"
 * ```
 */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/**
 * Render a label set as `{a="x",b="y"}` ("" when empty), in the order given.
 *
 * @example
 * ```ts
 * import { formatLabels } from "./exposition.ts";
 * formatLabels([["host", "edge"], ["type", "container"]]); // '{host="edge",type="container"}'
 * ```
 */
export function formatLabels(pairs: readonly (readonly [string, string])[]): string {
  if (pairs.length === 0) return "";
  return `{${pairs.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(",")}}`;
}

/**
 * The two header lines of a metric family.
 *
 * @example
 * ```ts
 * import { formatHeader } from "./exposition.ts";
 * formatHeader("up", "1 when up", "gauge"); // "# HELP up 1 when up\n# TYPE up gauge\n"
 * ```
 */
export function formatHeader(name: string, help: string, type: string): string {
  return `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
}
