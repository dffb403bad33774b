import assert from "node:assert/strict";
import {
  CONTENT_TYPE,
  escapeHelp,
  escapeLabelValue,
  formatHeader,
  formatLabels,
  formatValue,
  isLabelName,
  isMetricName,
} from "./exposition.ts";

Deno.test("escapeLabelValue() escapes backslash, double quote and newline, nothing else", () => {
  assert.equal(escapeLabelValue("plain"), "plain");
  assert.equal(escapeLabelValue('say "hi"'), 'say \\"hi\\"');
  assert.equal(escapeLabelValue("C:\\dir"), "C:\\\\dir");
  assert.equal(escapeLabelValue("a\nb"), "a\\nb");
  assert.equal(escapeLabelValue("tab\tand ünïcode"), "tab\tand ünïcode");
  assert.equal(escapeLabelValue('\\"\n'), '\\\\\\"\\n');
});

Deno.test("escapeHelp() escapes backslash and newline but keeps quotes", () => {
  assert.equal(escapeHelp('a "b" c\\d\ne'), 'a "b" c\\\\d\\ne');
});

Deno.test("formatValue() writes special floats the way Prometheus reads them", () => {
  assert.equal(formatValue(NaN), "NaN");
  assert.equal(formatValue(Infinity), "+Inf");
  assert.equal(formatValue(-Infinity), "-Inf");
  assert.equal(formatValue(3), "3");
  assert.equal(formatValue(0.001), "0.001");
  assert.equal(formatValue(1e21), "1e+21");
});

Deno.test("formatLabels() keeps order and is empty for no labels", () => {
  assert.equal(formatLabels([]), "");
  assert.equal(formatLabels([["b", "1"], ["a", 'x"y']]), '{b="1",a="x\\"y"}');
});

Deno.test("isMetricName() and isLabelName() follow the data model", () => {
  assert.ok(isMetricName("reactor_events_total"));
  assert.ok(isMetricName("ns:sub_metric"));
  assert.ok(!isMetricName("9lives"));
  assert.ok(!isMetricName("with-dash"));
  assert.ok(!isMetricName(""));
  assert.ok(isLabelName("host"));
  assert.ok(!isLabelName("__reserved"));
  assert.ok(!isLabelName("a:b"));
});

Deno.test("formatHeader() and CONTENT_TYPE are the 0.0.4 text format", () => {
  assert.equal(
    formatHeader("x_total", "Help\nmore", "counter"),
    "# HELP x_total Help\\nmore\n# TYPE x_total counter\n",
  );
  assert.equal(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
});
