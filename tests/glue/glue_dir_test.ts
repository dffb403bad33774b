/**
 * Docker Glue's own files, unchanged, in a glue dir: Glue's `lb.ini.example` and
 * `test.ini.example` load (the lb one mapped to the HAProxy hook), Glue's `test-handler.sh` runs
 * and appends its line, and each broken INI gives exactly one `file:line: problem — fix` line.
 */
import assert from "node:assert/strict";
import { loadGlueDirs } from "../../lib/glue/handlers.ts";
import { runGlueScript } from "../../lib/glue/script_handler.ts";
import { dispatchGlue, noneEvent } from "../../lib/glue/dispatch.ts";
import { glueCheckRows } from "../../lib/glue/report.ts";
import { exec } from "../../lib/exec/run.ts";
import type { ReactorEvent } from "../../lib/reactor.d.ts";
import { blobId, fixture, FIXTURES, GLUE_BLOBS, glueLayout, memLog } from "./helpers.ts";

function startEvent(id: string): ReactorEvent {
  return {
    hostId: "default",
    type: "container",
    action: "start",
    rawAction: "start",
    actor: { id, attributes: { name: "web" } },
    scope: "local",
    time: 1,
    timeNano: "1000000000",
    synthetic: true,
    raw: "",
  };
}

Deno.test("the fixtures are Docker Glue's files, byte for byte", async () => {
  for (const [path, blob] of Object.entries(GLUE_BLOBS)) {
    assert.equal(await blobId(`${FIXTURES}${path}`), blob, path);
  }
  const st = await Deno.stat(`${FIXTURES}handler-scripts/test-handler.sh`);
  assert.ok((st.mode! & 0o111) !== 0, "test-handler.sh is executable");
});

Deno.test("loadGlueDirs() loads Glue's lb.ini and test.ini examples, unchanged", async () => {
  const g = await glueLayout(
    {
      "lb.ini": await fixture("docker-glue.d/lb.ini.example"),
      "test.ini": await fixture("docker-glue.d/test.ini.example"),
      // Glue only loads *.ini: the .example itself is ignored
      "test.ini.example": await fixture("docker-glue.d/test.ini.example"),
    },
    { "test-handler.sh": await fixture("handler-scripts/test-handler.sh") },
  );
  try {
    const r = await loadGlueDirs([g.glueDir]);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.warnings, []);
    assert.deepEqual(r.handlers.map((h) => h.name), ["lb", "test"]);
    const [lb, test] = r.handlers;
    assert.equal(lb?.kind, "haproxy");
    assert.equal(lb?.class, "DockerGlue.handlers.lb.HAProxyHandler");
    assert.deepEqual(lb?.events, new Set(["die", "start"]));
    assert.equal(lb?.none, true);
    assert.equal(lb?.enabled, true);
    assert.deepEqual(lb?.params, {}); // `#template_dir=` is a comment
    assert.equal(lb?.line, 2);
    assert.equal(test?.kind, "script");
    assert.equal(test?.events, "all");
    assert.equal(test?.none, false);
    assert.equal(test?.triggersNone, false); // `;triggers-none=0` is a comment: default 0
    assert.deepEqual(test?.params, { "script": "test-handler.sh", "demo-option": "some value" });
    assert.equal(test?.script, `${g.scriptsDir}/test-handler.sh`);
    assert.equal(test?.file, `${g.glueDir}/test.ini`);
    const rows = glueCheckRows(r.handlers);
    assert.deepEqual(rows[0]?.slice(0, 4), [
      "glue",
      "lb",
      `${g.glueDir}/lb.ini:2`,
      "events=die,start,none",
    ]);
    assert.match(rows[0]![4]!, /HAProxyHandler → HAProxy hook \(enabled\)$/);
    assert.match(
      rows[1]![4]!,
      new RegExp(`ScriptHandler → script ${g.scriptsDir}/test-handler.sh \\(enabled\\)$`),
    );
  } finally {
    await g.close();
  }
});

Deno.test("Glue's test-handler.sh runs unchanged and appends its line (read with crudini)", async () => {
  const g = await glueLayout(
    { "test.ini": await fixture("docker-glue.d/test.ini.example") },
    { "test-handler.sh": await fixture("handler-scripts/test-handler.sh") },
  );
  const id = `rxglue${crypto.randomUUID().replaceAll("-", "")}`;
  try {
    const { handlers } = await loadGlueDirs([g.glueDir]);
    const log = memLog();
    const r = await dispatchGlue(
      handlers,
      startEvent(id),
      (h, ev) => runGlueScript(h, { event: ev, exec, log }),
    );
    assert.deepEqual(r.failed, []);
    assert.deepEqual(r.ran.map((h) => h.name), ["test"]);
    const text = await Deno.readTextFile("/tmp/docker-glue-test.log");
    const line = text.split("\n").find((l) => l.includes(`container_id=[${id}]`));
    assert.match(
      line ?? "",
      new RegExp(
        `^\\d{4}-\\d\\d-\\d\\d container_id=\\[${id}\\] status=\\[start\\] ini_demo_option=\\[some value\\]$`,
      ),
    );
    // events=all does not include none: nothing runs at startup
    assert.deepEqual((await dispatchGlue(handlers, noneEvent(), () => Promise.resolve())).ran, []);
  } finally {
    await g.close();
  }
});

/** Each broken fixture: [file, line, pattern of the problem]. */
const BROKEN: [string, number, RegExp][] = [
  ["garbage.ini", 4, /cannot parse "this line is garbage" — use \[section\]/],
  ["no_handler.ini", 1, /missing \[handler\] section — add \[handler\] with class= and events=/],
  [
    "unknown_class.ini",
    2,
    /unknown Docker Glue class DockerGlue\.handlers\.lb\.NginxHandler — use one of .*ScriptHandler.*HAProxyHandler.*distconfig\.Publisher.*reactor\.config\.ts/,
  ],
  [
    "python_plugin.ini",
    2,
    /class mycompany\.glue\.DemoHandler is a Python plugin, and reactor cannot run Python plugins — use one of .*ScriptHandler.*HAProxyHandler.*Publisher; for custom logic, write a handler in reactor\.config\.ts/,
  ],
  ["bad_enabled.ini", 4, /bad enabled value "maybe" — use 1 or 0/],
  [
    "unknown_key.ini",
    4,
    /unknown key "triggers_none" in \[handler\] — did you mean triggers-none\?/,
  ],
];

for (const [name, line, re] of BROKEN) {
  Deno.test(`loadGlueDirs() reports broken ${name} as one file:line: problem — fix line`, async () => {
    const g = await glueLayout({ [name]: await fixture(`broken/${name}`) });
    try {
      const r = await loadGlueDirs([g.glueDir]);
      assert.equal(r.problems.length, 1, r.problems.join("\n"));
      const p = r.problems[0]!;
      assert.ok(p.startsWith(`${g.glueDir}/${name}:${line}: `), p);
      assert.match(p, re);
      assert.match(p, / — /);
      assert.ok(!p.includes("\n"));
      assert.deepEqual(r.handlers, []);
    } finally {
      await g.close();
    }
  });
}

Deno.test("loadGlueDirs(): Glue's ovs example without its script is disabled with one warning; the publisher maps to etcd", async () => {
  const g = await glueLayout({
    "ovs.ini": await fixture("docker-glue.d/ovs.ini.example"),
    "publisher.ini": await fixture("docker-glue.d/publisher.ini.example"),
  });
  try {
    const r = await loadGlueDirs([g.glueDir], { scriptPaths: [g.scriptsDir] });
    assert.equal(r.warnings.length, 1);
    assert.match(
      r.warnings[0]!,
      new RegExp(
        `^${g.glueDir}/ovs.ini:10: script "ovs-handler.sh" not found \\(looked at ${g.scriptsDir}/ovs-handler.sh\\); handler disabled — `,
      ),
    );
    assert.equal(r.handlers.length, 2);
    assert.deepEqual(r.handlers.map((h) => [h.kind, h.enabled]), [["script", false], [
      "etcd",
      true,
    ]]);
    assert.equal(r.handlers[0]?.triggersNone, true);
    assert.equal(r.handlers[0]?.state, 'disabled: script "ovs-handler.sh" not found');
    assert.match(
      glueCheckRows(r.handlers)[0]![4]!,
      /\(disabled: script "ovs-handler.sh" not found, triggers-none\)$/,
    );
    assert.deepEqual(r.problems, []);
  } finally {
    await g.close();
  }
});
