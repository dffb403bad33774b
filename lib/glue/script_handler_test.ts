import assert from "node:assert/strict";
import { UnsafeScriptError } from "../../hooks/scripts.ts";
import { memLog } from "../../tests/glue/helpers.ts";
import type { ReactorEvent } from "../reactor.d.ts";
import { CommandError } from "../errors.ts";
import { exec, type Run, type RunOptions } from "../exec/run.ts";
import { noneEvent } from "./dispatch.ts";
import type { GlueHandlerSpec } from "./handlers.ts";
import {
  glueScriptArgv,
  glueScriptEnv,
  paramEnv,
  paramEnvName,
  runGlueScript,
  scriptSafetyProblem,
} from "./script_handler.ts";

const EVIL = "$(touch MARK) `touch MARK`; touch MARK | touch MARK && echo > MARK2 \"q\" 'x' \\n";

function spec(script: string, params: Record<string, string> = {}): GlueHandlerSpec {
  return {
    file: "/etc/docker-glue.d/test.ini",
    line: 2,
    name: "test",
    class: "DockerGlue.handlers.exec.ScriptHandler",
    kind: "script",
    events: "all",
    none: false,
    enabled: true,
    triggersNone: false,
    params: { script: "test-handler.sh", ...params },
    paramLines: {},
    script,
    state: "enabled",
  };
}

function startEvent(id = "c0ffee", labels: Record<string, string> = {}): ReactorEvent {
  return {
    hostId: "default",
    type: "container",
    action: "start",
    rawAction: "start",
    actor: { id, attributes: { ...labels, name: "web", image: "busybox" } },
    scope: "local",
    time: 1_700_000_000,
    timeNano: "1700000000123456789",
    synthetic: false,
    raw: "",
  };
}

Deno.test('glueScriptArgv() is [timeout…, script, ini, action, container id]; "" for none', () => {
  const s = spec("/usr/libexec/docker-glue/test-handler.sh");
  assert.deepEqual(glueScriptArgv(s, startEvent(), 5000), [
    "timeout",
    "--kill-after=2",
    "5.000s",
    "/usr/libexec/docker-glue/test-handler.sh",
    "/etc/docker-glue.d/test.ini",
    "start",
    "c0ffee",
  ]);
  assert.deepEqual(glueScriptArgv(s, noneEvent()).slice(-3), [
    "/etc/docker-glue.d/test.ini",
    "none",
    "",
  ]);
  assert.throws(
    () => glueScriptArgv({ file: "/g/x.ini" }, startEvent()),
    /Cannot run glue handler \/g\/x\.ini: its script was not found/,
  );
});

Deno.test("paramEnv() sanitises names to [A-Z0-9_] and reports collisions (first wins)", () => {
  assert.equal(paramEnvName("demo-option"), "REACTOR_PARAM_DEMO_OPTION");
  assert.equal(paramEnvName("a.b-c_d9"), "REACTOR_PARAM_A_B_C_D9");
  const r = paramEnv({ "demo-option": "1", "demo_option": "2", "x": "3" });
  assert.deepEqual(r.env, { REACTOR_PARAM_DEMO_OPTION: "1", REACTOR_PARAM_X: "3" });
  assert.deepEqual(r.collisions, [{
    name: "REACTOR_PARAM_DEMO_OPTION",
    kept: "demo-option",
    dropped: "demo_option",
  }]);
});

Deno.test("glueScriptEnv() has the REACTOR_* variables of start scripts plus REACTOR_PARAM_*", () => {
  const env = glueScriptEnv(spec("/s"), startEvent());
  assert.equal(env["REACTOR_ACTION"], "start");
  assert.equal(env["REACTOR_HOST"], "default");
  assert.equal(env["REACTOR_CONTAINER_ID"], "c0ffee");
  assert.equal(env["REACTOR_CONTAINER_NAME"], "web");
  assert.equal(env["REACTOR_PARAM_SCRIPT"], "test-handler.sh");
  const none = glueScriptEnv(spec("/s"), noneEvent("h"));
  assert.equal(none["REACTOR_ACTION"], "none");
  assert.equal(none["REACTOR_CONTAINER_ID"], "");
});

Deno.test("runGlueScript() calls exec with an argv (no shell), the event JSON on stdin and the script dir as cwd", async () => {
  const seen: { argv: readonly string[]; opts?: RunOptions }[] = [];
  const fake: Run = (argv, opts) => {
    seen.push({ argv, opts });
    opts?.onLine?.("stdout", "hello");
    opts?.onLine?.("stderr", "oops");
    return Promise.resolve({ argv, code: 0, stdout: "", stderr: "", durationMs: 1 });
  };
  const log = memLog();
  await runGlueScript(spec("/opt/scripts/h.sh", { "demo-option": EVIL }), {
    event: startEvent("c0ffee", { evil: EVIL }),
    exec: fake,
    log,
    insecure: true,
  });
  assert.equal(seen.length, 1);
  const { argv, opts } = seen[0]!;
  assert.equal(argv[0], "timeout");
  assert.ok(!argv.some((a) => a === "sh" || a === "-c" || a === "bash"), argv.join(" "));
  assert.deepEqual(argv.slice(3), [
    "/opt/scripts/h.sh",
    "/etc/docker-glue.d/test.ini",
    "start",
    "c0ffee",
  ]);
  assert.equal(opts?.cwd, "/opt/scripts");
  assert.equal(opts?.env?.["REACTOR_PARAM_DEMO_OPTION"], EVIL);
  const stdin = JSON.parse(String(opts?.stdin));
  assert.equal(stdin.Action, "start");
  assert.equal(stdin.Actor.Attributes.evil, EVIL);
  assert.equal(stdin.timeNano, 1700000000123456800); // JSON number; exact digits in the text:
  assert.match(String(opts?.stdin), /"timeNano":1700000000123456789/);
  const lines = log.records.map((r) => `${r.level}:${r.message}`);
  assert.ok(lines.includes("info:hello") && lines.includes("warn:oops"), lines.join(","));
});

Deno.test("runGlueScript() never lets shell metacharacters in params, labels or ids reach a shell", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rx-glue-noshell-" });
  try {
    const script = `${dir}/dump.sh`;
    // prints each argument, the param and stdin, one per line, to out.txt
    await Deno.writeTextFile(
      script,
      `#!/bin/sh\nfor a in "$@"; do printf 'arg=%s\\n' "$a"; done > out.txt\n` +
        `printf 'param=%s\\n' "$REACTOR_PARAM_DEMO_OPTION" >> out.txt\ncat >> out.txt\n`,
      { mode: 0o755 },
    );
    const evil = EVIL.replaceAll("MARK", `${dir}/MARK`);
    await runGlueScript(spec(script, { "demo-option": evil }), {
      event: startEvent(evil, { "glue.evil": evil }),
      exec,
      log: memLog(),
      insecure: true,
    });
    const out = await Deno.readTextFile(`${dir}/out.txt`);
    assert.ok(out.includes(`arg=${evil}\n`), out);
    assert.ok(out.includes(`param=${evil}\n`), out);
    assert.ok(out.includes(JSON.stringify(evil)), out);
    await assert.rejects(Deno.stat(`${dir}/MARK`), Deno.errors.NotFound);
    await assert.rejects(Deno.stat(`${dir}/MARK2`), Deno.errors.NotFound);
    // control: the same text through a shell does create the marker (so the check can fail)
    await exec(["sh", "-c", `echo ${evil}`], { cwd: dir, okCodes: [0, 1, 2, 127] });
    await Deno.stat(`${dir}/MARK`);
    await Deno.stat(`${dir}/MARK2`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runGlueScript() fails on a non-zero exit and on its timeout", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rx-glue-fail-" });
  try {
    await Deno.writeTextFile(`${dir}/fail.sh`, "#!/bin/sh\necho bad >&2\nexit 3\n", {
      mode: 0o755,
    });
    await Deno.writeTextFile(`${dir}/slow.sh`, "#!/bin/sh\nsleep 30 &\nwait\n", { mode: 0o755 });
    const err = await runGlueScript(spec(`${dir}/fail.sh`), {
      event: startEvent(),
      exec,
      log: memLog(),
      insecure: true,
    }).catch((e) => e);
    assert.ok(err instanceof CommandError && err.reason === "exit" && err.code === 3, String(err));
    const t = await runGlueScript(spec(`${dir}/slow.sh`), {
      event: startEvent(),
      exec,
      log: memLog(),
      insecure: true,
      timeoutMs: 200,
    }).catch((e) => e);
    assert.ok(t instanceof CommandError && t.reason === "timeout", String(t));
    assert.match(t.message, /timed out after 200 ms/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runGlueScript() refuses (as root) a script or script dir others can write", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rx-glue-unsafe-" });
  try {
    const script = `${dir}/h.sh`;
    await Deno.writeTextFile(script, "#!/bin/sh\n", { mode: 0o755 });
    await Deno.chmod(script, 0o777);
    const opts = { event: startEvent(), exec, log: memLog(), uid: 0 };
    const err = await runGlueScript(spec(script), opts).catch((e) => e);
    assert.ok(err instanceof UnsafeScriptError, String(err));
    if (Deno.uid() === 0) {
      assert.equal(
        err.message,
        `Refusing to run ${script} as root: ${script} is writable by group or others (mode 777) — run \`chown root:root ${script} && chmod go-w ${script}\`, or pass --insecure-scripts`,
      );
      await Deno.chmod(script, 0o755);
      await Deno.chmod(dir, 0o777);
      assert.match(
        (await scriptSafetyProblem(script, { uid: 0 }))!,
        new RegExp(
          `^Refusing to run ${script} as root: ${dir} is writable by group or others \\(mode 777\\) — run \`chown root:root ${dir} && chmod go-w ${dir}\``,
        ),
      );
    }
    assert.equal(await scriptSafetyProblem(script, { uid: 0, insecure: true }), undefined);
    assert.equal(await scriptSafetyProblem(script, { uid: 1000 }), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
