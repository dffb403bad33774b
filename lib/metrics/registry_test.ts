import assert from "node:assert/strict";
import { Counter, Gauge, Histogram, Registry } from "./registry.ts";

Deno.test("Counter.inc() renders HELP, TYPE and one line per label set", () => {
  const c = new Counter("x_total", "Things.", ["host", "kind"]);
  c.inc({ host: "a", kind: "k" });
  c.inc({ host: "a", kind: "k" }, 2);
  c.inc({ host: 'b"\\\n', kind: "k" });
  assert.equal(c.get({ host: "a", kind: "k" }), 3);
  assert.equal(
    c.render(),
    [
      "# HELP x_total Things.",
      "# TYPE x_total counter",
      'x_total{host="a",kind="k"} 3',
      'x_total{host="b\\"\\\\\\n",kind="k"} 1',
      "",
    ].join("\n"),
  );
});

Deno.test("Counter without labels starts at 0; it refuses to go down or to miss a label", () => {
  const c = new Counter("y_total", "Y.");
  assert.match(c.render(), /^y_total 0$/m);
  assert.throws(() => c.inc(undefined, -1), TypeError);
  const l = new Counter("z_total", "Z.", ["host"]);
  assert.throws(() => l.inc({} as { host: string }), /needs a string value for label "host"/);
  assert.equal(l.render(), "# HELP z_total Z.\n# TYPE z_total counter\n");
});

Deno.test("Gauge.set()/inc() and remove() change the exposed series", () => {
  const g = new Gauge("g", "G.", ["h"]);
  g.set({ h: "a" }, 5);
  g.inc({ h: "a" }, -2);
  g.set({ h: "b" }, 1);
  g.remove({ h: "b" });
  assert.equal(g.get({ h: "a" }), 3);
  assert.equal(g.get({ h: "b" }), undefined);
  assert.equal(g.render(), '# HELP g G.\n# TYPE g gauge\ng{h="a"} 3\n');
});

Deno.test("Histogram.observe() fills cumulative buckets with +Inf, _sum and _count", () => {
  const h = new Histogram("d_seconds", "D.", ["rule"], [0.1, 1]);
  h.observe({ rule: "r" }, 0.05);
  h.observe({ rule: "r" }, 0.1);
  h.observe({ rule: "r" }, 0.5);
  h.observe({ rule: "r" }, 7);
  h.observe({ rule: "r" }, NaN);
  assert.equal(
    h.render(),
    [
      "# HELP d_seconds D.",
      "# TYPE d_seconds histogram",
      'd_seconds_bucket{rule="r",le="0.1"} 2',
      'd_seconds_bucket{rule="r",le="1"} 3',
      'd_seconds_bucket{rule="r",le="+Inf"} 4',
      'd_seconds_sum{rule="r"} 7.65',
      'd_seconds_count{rule="r"} 4',
      "",
    ].join("\n"),
  );
  assert.deepEqual(h.get({ rule: "r" }), { count: 4, sum: 7.65 });
});

Deno.test("Histogram refuses unsorted buckets and the reserved le label", () => {
  assert.throws(() => new Histogram("h1", "H.", [], [1, 1]), TypeError);
  assert.throws(() => new Histogram("h2", "H.", [], []), TypeError);
  assert.throws(() => new Histogram("h3", "H.", ["le"]), TypeError);
});

Deno.test("Registry renders families in order and refuses duplicate or invalid names", () => {
  const r = new Registry();
  r.counter("a_total", "A.").inc();
  r.collected("b", "B.", { type: "gauge", labelNames: ["x"], collect: () => [[{ x: "1" }, 2]] });
  r.collected("c", "C.", {
    type: "gauge",
    collect: () => {
      throw new Error("source broke");
    },
  });
  assert.equal(
    r.render(),
    "# HELP a_total A.\n# TYPE a_total counter\na_total 1\n" +
      '# HELP b B.\n# TYPE b gauge\nb{x="1"} 2\n' +
      "# HELP c C.\n# TYPE c gauge\n",
  );
  assert.throws(() => r.counter("a_total", "again"), /already registered/);
  assert.throws(() => r.gauge("bad-name", "x"), /Invalid metric name/);
  assert.throws(() => r.gauge("ok", "x", ["__x"]), /Invalid label name/);
  assert.throws(() => r.gauge("ok2", "x", ["a", "a"]), /Duplicate label/);
});
