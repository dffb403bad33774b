/**
 * reactor's Glue INI reader and crudini (what Glue scripts read their INI with) agree: every
 * value reactor accepts is what `crudini --get` prints, and what they would read differently is
 * refused with a `file:line` problem.
 */
import assert from "node:assert/strict";
import { parseGlueIni } from "../../lib/glue/ini.ts";
import { exec } from "../../lib/exec/run.ts";
import { FIXTURES } from "./helpers.ts";

async function crudiniGet(file: string, section: string, key: string): Promise<string> {
  const r = await exec(["crudini", "--get", file, section, key], { timeoutMs: 20_000 });
  return r.stdout.replace(/\n$/, "");
}

/** Lines tried one per file under `[params]`. */
const LINES = [
  "k=v",
  "k = spaced value ",
  "k=   lots   of   inner   spaces   ",
  "K=upper key",
  "k=",
  "k = value ; a comment",
  "k=value\t;tab comment",
  "k=a;b",
  "k=a;b ;c",
  "k=a#b",
  "k=a #b",
  'k="quoted"',
  "k='single'",
  'k=say "hi" there',
  "k=a \\; b",
  "k=back\\slash",
  "k=true",
  "k=null",
  "k=x=y=z",
  "k=url:with:colons",
  "k: colon",
  "k=$(touch /nonexistent/x) `id` | && > <",
  "k=ünïcödé ✓",
  "k=[bracketed]",
  "k= ;leading",
  'k={"host": (("10.0.0.2", 4001),)}',
  "demo-option=some value",
  "dotted.key_name-1=v",
];

Deno.test("every value parseGlueIni() accepts is what crudini --get prints", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rx-glue-crudini-" });
  try {
    let accepted = 0;
    let refused = 0;
    await Promise.all(LINES.map(async (line, i) => {
      const file = `${dir}/c${i}.ini`;
      await Deno.writeTextFile(file, `[params]\n${line}\n`);
      const r = parseGlueIni(await Deno.readTextFile(file), file);
      const entries = [...(r.sections.get("params")?.entries.values() ?? [])];
      if (r.problems.length) {
        refused++;
        assert.equal(entries.length, 0, `refused line kept an entry: ${line}`);
        assert.match(r.problems[0]!, new RegExp(`^${file}:2: .+ — .+`));
        return;
      }
      accepted++;
      assert.equal(entries.length, 1, line);
      const e = entries[0]!;
      assert.equal(await crudiniGet(file, "params", e.rawKey), e.value, `line ${line}`);
    }));
    // both branches must be exercised for this test to mean anything
    assert.ok(accepted >= 15, `accepted ${accepted}`);
    assert.ok(refused >= 8, `refused ${refused}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("crudini --get reads back every key reactor parsed from Glue's own example INIs", async () => {
  for (
    const name of ["test.ini.example", "lb.ini.example", "ovs.ini.example", "publisher.ini.example"]
  ) {
    const file = `${FIXTURES}docker-glue.d/${name}`;
    const r = parseGlueIni(await Deno.readTextFile(file), file);
    assert.deepEqual(r.problems, [], name);
    let n = 0;
    for (const s of r.sections.values()) {
      for (const e of s.entries.values()) {
        assert.equal(
          await crudiniGet(file, s.name, e.rawKey),
          e.value,
          `${name} [${s.name}] ${e.key}`,
        );
        n++;
      }
    }
    assert.ok(n >= 3, name);
  }
});
