import assert from "node:assert/strict";
import { crudiniValue, parseGlueIni } from "./ini.ts";

function one(text: string): string {
  const r = parseGlueIni(text, "x.ini");
  assert.equal(r.problems.length, 1, r.problems.join("\n"));
  return r.problems[0]!;
}

Deno.test("parseGlueIni() reads sections and keys with line numbers", () => {
  const r = parseGlueIni(
    "; c\n[handler]\nclass = A.B\n# c\nEvents=all\n\n[params]\ndemo-option=some value\nempty=\n",
    "t.ini",
  );
  assert.deepEqual(r.problems, []);
  assert.equal(r.sections.get("handler")?.line, 2);
  assert.deepEqual(r.sections.get("handler")?.entries.get("class"), {
    key: "class",
    rawKey: "class",
    value: "A.B",
    line: 3,
  });
  assert.equal(r.sections.get("handler")?.entries.get("events")?.rawKey, "Events");
  assert.equal(r.sections.get("params")?.entries.get("demo-option")?.value, "some value");
  assert.equal(r.sections.get("params")?.entries.get("empty")?.value, "");
});

Deno.test("parseGlueIni() accepts CRLF, a BOM and ' ;' inline comments", () => {
  const r = parseGlueIni("\uFEFF[p]\r\nk = v ; note\r\nb=true\r\n", "t.ini");
  assert.deepEqual(r.problems, []);
  assert.equal(r.sections.get("p")?.entries.get("k")?.value, "v");
  assert.equal(r.sections.get("p")?.entries.get("b")?.value, "true");
});

Deno.test("parseGlueIni() reports each unsupported construct as file:line: problem — fix", () => {
  assert.match(one("[p]\nk=v\nrem x\n"), /^x\.ini:3: cannot parse "rem x" — use \[section\]/);
  assert.match(one("[p]\nk: v\n"), /^x\.ini:2: 'key: value' line — write it as key = value$/);
  assert.match(one("[p]\nk=v\n  more\n"), /^x\.ini:3: indented line .*continuation.* — /);
  assert.match(one("k=v\n[p]\n"), /^x\.ini:1: key "k" outside a section — /);
  assert.match(one("[p]\nk=1\nK=2\n"), /^x\.ini:3: duplicate key "K" in \[p\] \(first on line 2\)/);
  assert.match(
    one("[p]\n[q]\n[p]\nk=1\n"),
    /^x\.ini:3: duplicate section \[p\] \(first on line 1\) — merge them$/,
  );
  assert.match(one("[p] x\nk=1\n"), /^x\.ini:1: bad section header/);
  assert.match(one("[p]\na[]=1\n"), /^x\.ini:2: bad key "a\[\]"/);
  assert.match(
    one("[p]\nk=a\x01b\n"),
    /^x\.ini:2: value of "k" contains a control character — remove it$/,
  );
});

Deno.test("parseGlueIni() refuses values that npm:ini and crudini read differently", () => {
  assert.match(
    one("[p]\nk=a#b\n"),
    /reads as "a#b" for crudini but "a" for reactor — remove the '#'/,
  );
  assert.match(
    one("[p]\nk=a;b\n"),
    /reads as "a;b" for crudini but "a" for reactor — remove the ';'/,
  );
  assert.match(one('[p]\nk="a b"\n'), /remove the quotes/);
  assert.match(one("[p]\nk='a'\n"), /remove the quotes/);
  assert.match(one("[p]\nk=a \\; b\n"), /remove the backslash/);
  assert.match(one("[p]\nk= ;x\n"), /reads as ";x" for crudini but "" for reactor/);
});

Deno.test("crudiniValue() cuts only at a ';' preceded by whitespace", () => {
  assert.equal(crudiniValue("  v  "), "v");
  assert.equal(crudiniValue("x ;b ;c"), "x");
  assert.equal(crudiniValue("x\t;b"), "x");
  assert.equal(crudiniValue("a;b ;c"), "a;b ;c");
  assert.equal(crudiniValue(";x"), ";x");
});
