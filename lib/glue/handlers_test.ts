import assert from "node:assert/strict";
import { glueLayout } from "../../tests/glue/helpers.ts";
import { loadGlueDirs } from "./handlers.ts";

const SCRIPT = "#!/bin/sh\nexit 0\n";
const HAPROXY = "class=DockerGlue.handlers.lb.HAProxyHandler";

function ini(handler: string, params = ""): string {
  return `[handler]\n${handler}\n${params ? `\n[params]\n${params}\n` : ""}`;
}

Deno.test("loadGlueDirs() parses events, all, none, enabled and triggers-none", async () => {
  const g = await glueLayout({
    "a.ini": ini(`${HAPROXY}\nevents = start, die ,none\nenabled=yes\ntriggers-none=on`),
    "b.ini": ini(`${HAPROXY}\nevents=all,none\nenabled=0`),
    "c.ini": ini(`${HAPROXY}\nevents=none`),
  });
  try {
    const r = await loadGlueDirs([g.glueDir]);
    assert.deepEqual(r.problems, []);
    const [a, b, c] = r.handlers;
    assert.deepEqual(a?.events, new Set(["start", "die"]));
    assert.equal(a?.none, true);
    assert.equal(a?.triggersNone, true);
    assert.equal(b?.events, "all");
    assert.equal(b?.none, true);
    assert.equal(b?.enabled, false);
    assert.equal(b?.state, "disabled (enabled=0)");
    assert.deepEqual(c?.events, new Set());
    assert.equal(c?.none, true);
  } finally {
    await g.close();
  }
});

Deno.test("loadGlueDirs() reports unknown or missing events, a missing class and a ScriptHandler without script", async () => {
  const g = await glueLayout({
    "a.ini": ini(`${HAPROXY}\nevents=start,strat`),
    "b.ini": ini(HAPROXY),
    "c.ini": ini("events=start"),
    "d.ini": ini("class=DockerGlue.handlers.exec.ScriptHandler\nevents=start", "x=1"),
  });
  try {
    const r = await loadGlueDirs([g.glueDir]);
    assert.equal(r.problems.length, 4, r.problems.join("\n"));
    assert.match(
      r.problems[0]!,
      /a\.ini:3: unknown event "strat" — use all, none, or Docker container actions \(attach, .*start.*\)$/,
    );
    assert.match(r.problems[1]!, /b\.ini:1: missing events — add events= /);
    assert.match(r.problems[2]!, /c\.ini:1: missing class — add class= with one of /);
    assert.match(
      r.problems[3]!,
      /d\.ini:5: ScriptHandler without \[params\] script= — add script=NAME/,
    );
    assert.deepEqual(r.handlers, []);
  } finally {
    await g.close();
  }
});

Deno.test("loadGlueDirs() resolves scripts in --glue-script-path order, else <glue dir>/../handler-scripts", async () => {
  const g = await glueLayout(
    { "t.ini": ini("class=DockerGlue.handlers.exec.ScriptHandler\nevents=all", "script=h.sh") },
    { "h.sh": SCRIPT },
  );
  try {
    const other = `${g.root}/other`;
    await Deno.mkdir(other);
    await Deno.writeTextFile(`${other}/h.sh`, SCRIPT, { mode: 0o755 });
    const byDefault = await loadGlueDirs([g.glueDir]);
    assert.equal(byDefault.handlers[0]?.script, `${g.scriptsDir}/h.sh`);
    const first = await loadGlueDirs([g.glueDir], { scriptPaths: [other, g.scriptsDir] });
    assert.equal(first.handlers[0]?.script, `${other}/h.sh`);
    const second = await loadGlueDirs([g.glueDir], {
      scriptPaths: [`${g.root}/none`, g.scriptsDir, other],
    });
    assert.equal(second.handlers[0]?.script, `${g.scriptsDir}/h.sh`);
  } finally {
    await g.close();
  }
});

Deno.test("loadGlueDirs() refuses (as root) INI files and glue dirs others can write", async () => {
  const g = await glueLayout({ "a.ini": ini(`${HAPROXY}\nevents=start`) });
  try {
    await Deno.chmod(`${g.glueDir}/a.ini`, 0o666);
    let r = await loadGlueDirs([g.glueDir], { isRoot: true });
    assert.equal(r.problems.length, 1);
    assert.match(
      r.problems[0]!,
      new RegExp(
        `^${g.glueDir}/a\\.ini: refusing config file that .*is writable by group and others \\(mode 0666\\).* — run \`chown root:root ${g.glueDir}/a\\.ini && chmod go-w ${g.glueDir}/a\\.ini\`, or pass --insecure-config$`,
      ),
    );
    assert.deepEqual(r.handlers, []);
    assert.equal(
      (await loadGlueDirs([g.glueDir], { isRoot: true, insecureConfig: true })).handlers.length,
      1,
    );
    assert.equal((await loadGlueDirs([g.glueDir], { isRoot: false })).handlers.length, 1);
    await Deno.chmod(`${g.glueDir}/a.ini`, 0o644);
    await Deno.chmod(g.glueDir, 0o777);
    r = await loadGlueDirs([g.glueDir], { isRoot: true });
    assert.equal(r.problems.length, 1);
    assert.match(
      r.problems[0]!,
      new RegExp(`whose directory ${g.glueDir} .*writable by group or others`),
    );
    assert.deepEqual(r.handlers, []);
  } finally {
    await g.close();
  }
});

Deno.test("loadGlueDirs() refuses (as root) a world-writable script or script dir, like start scripts", async () => {
  const g = await glueLayout(
    { "t.ini": ini("class=DockerGlue.handlers.exec.ScriptHandler\nevents=all", "script=h.sh") },
    { "h.sh": SCRIPT },
  );
  try {
    const script = `${g.scriptsDir}/h.sh`;
    await Deno.chmod(script, 0o777);
    const r = await loadGlueDirs([g.glueDir], { isRoot: true });
    if (Deno.uid() === 0) {
      assert.deepEqual(r.problems, [
        `${g.glueDir}/t.ini:6: Refusing to run ${script} as root: ${script} is writable by group or others (mode 777) — run \`chown root:root ${script} && chmod go-w ${script}\`, or pass --insecure-scripts`,
      ]);
    } else assert.equal(r.problems.length, 1);
    assert.deepEqual(r.handlers, []);
    const ok = await loadGlueDirs([g.glueDir], { isRoot: true, insecureScripts: true });
    assert.deepEqual(ok.problems, []);
    await Deno.chmod(script, 0o755);
    await Deno.chmod(g.scriptsDir, 0o777);
    const dir = await loadGlueDirs([g.glueDir], { isRoot: true });
    assert.match(
      dir.problems[0] ?? "",
      new RegExp(`: ${g.scriptsDir} is (writable by group or others|owned by uid)`),
    );
  } finally {
    await g.close();
  }
});

Deno.test("loadGlueDirs() loads a dir once, sorts files, reports a missing dir and param name collisions", async () => {
  const g = await glueLayout({
    "b.ini": ini(`${HAPROXY}\nevents=start`, "demo-option=1\ndemo_option=2"),
    "a.ini": ini(`${HAPROXY}\nevents=die`),
  });
  try {
    const r = await loadGlueDirs([g.glueDir, `${g.glueDir}/`, `${g.root}/missing`]);
    assert.deepEqual(r.handlers.map((h) => h.name), ["a", "b"]);
    assert.equal(r.problems.length, 1);
    assert.match(
      r.problems[0]!,
      new RegExp(`^${g.root}/missing: cannot read glue dir: .* — create it or fix --glue-dir$`),
    );
    assert.equal(r.warnings.length, 1);
    assert.match(
      r.warnings[0]!,
      /b\.ini:7: params "demo-option" \(line 6\) and "demo_option" both map to REACTOR_PARAM_DEMO_OPTION; the environment gets the first — rename one/,
    );
  } finally {
    await g.close();
  }
});

Deno.test("loadGlueDirs() lists a disabled etcd publisher with a warning instead of an error", async () => {
  const g = await glueLayout({
    "p.ini": ini(
      "class=DockerGlue.handlers.publishers.distconfig.Publisher\nevents=all,none\nenabled=0",
    ),
  });
  try {
    const r = await loadGlueDirs([g.glueDir]);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.warnings, []);
    assert.equal(r.handlers[0]?.kind, "etcd");
    assert.equal(r.handlers[0]?.enabled, false);
  } finally {
    await g.close();
  }
});
