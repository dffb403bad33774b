import assert from "node:assert/strict";
import { scriptArgv, scriptPath, unsafeReason } from "./scripts.ts";

Deno.test("scriptPath() builds <dir>/<action>.<name> and refuses unsafe names", () => {
  assert.equal(
    scriptPath("/etc/reactor/scripts/", "start", "web-1"),
    "/etc/reactor/scripts/start.web-1",
  );
  assert.equal(scriptPath("/s", "health_status", "a.b_c"), "/s/health_status.a.b_c");
  for (const name of ["../etc/passwd", "a/b", ".hidden", "", "x y"]) {
    assert.equal(scriptPath("/s", "start", name), undefined, name);
  }
  assert.equal(scriptPath("/s", "../start", "web"), undefined);
});

Deno.test("unsafeReason() refuses non-root owners and group/other-writable modes", () => {
  assert.equal(unsafeReason("/s", { uid: 0, mode: 0o40755 }), undefined);
  assert.match(unsafeReason("/s", { uid: 1000, mode: 0o40755 }) ?? "", /owned by uid 1000/);
  assert.match(
    unsafeReason("/s", { uid: 0, mode: 0o40775 }) ?? "",
    /writable by group or others \(mode 775\)/,
  );
  assert.match(unsafeReason("/s", { uid: 0, mode: 0o100757 }) ?? "", /mode 757/);
});

Deno.test("scriptArgv() runs the script under timeout(1) with a kill grace", () => {
  assert.deepEqual(scriptArgv("/s/start.web", 60_000), [
    "timeout",
    "--kill-after=2",
    "60.000s",
    "/s/start.web",
  ]);
});

Deno.test("scriptsHook().wants() only events that have a script file", async () => {
  const { scriptsHook } = await import("./scripts.ts");
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/start.web`, "#!/bin/sh\n");
    const h = scriptsHook({ scriptsDir: dir });
    const ev = (action: string, name: string, type = "container") => ({
      hostId: "default",
      type,
      action,
      rawAction: action,
      actor: { id: "c1", attributes: { name } },
      scope: "local",
      time: 0,
      timeNano: "0",
      synthetic: false,
      raw: "",
    });
    assert.equal(h.wants(ev("start", "web")), true);
    assert.equal(h.wants(ev("stop", "web")), false);
    assert.equal(h.wants(ev("start", "api")), false);
    assert.equal(h.wants(ev("start", "web", "network")), false);
    assert.equal(h.wants(ev("start", "../web")), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("scriptSafetyProblem() refuses a script in a dir others can write (as root only)", async () => {
  const { assertSafeScript, scriptSafetyProblem, UnsafeScriptError } = await import(
    "./scripts.ts"
  );
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/start.web`;
    await Deno.writeTextFile(path, "#!/bin/sh\n", { mode: 0o755 });
    await Deno.chmod(dir, 0o777);
    const stat = await Deno.stat(dir);
    const asRoot = { uid: 0 };
    if (stat.uid === 0) {
      assert.match(
        await scriptSafetyProblem(path, asRoot) ?? "",
        /^Refusing to run .*start\.web as root: .* is writable by group or others \(mode 777\) — run `chown root:root .* && chmod go-w .*`, or pass --insecure-scripts$/,
      );
      assert.match(
        await scriptSafetyProblem(path, { ...asRoot, override: "--insecure-config" }) ?? "",
        /or pass --insecure-config$/,
      );
      await assert.rejects(assertSafeScript(path, asRoot), UnsafeScriptError);
      await Deno.chmod(dir, 0o755);
      assert.equal(await scriptSafetyProblem(path, asRoot), undefined);
      await assertSafeScript(path, asRoot);
    }
    await Deno.chmod(dir, 0o777);
    assert.equal(await scriptSafetyProblem(path, { uid: 1000 }), undefined);
    assert.equal(await scriptSafetyProblem(path, { ...asRoot, insecure: true }), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("scriptsHook() reports a failing script by its own path, not the timeout(1) wrapper", async () => {
  const { scriptsHook } = await import("./scripts.ts");
  const { exec } = await import("../lib/exec/run.ts");
  const { CommandError } = await import("../lib/errors.ts");
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/start.web`, "#!/bin/sh\necho boom >&2\nexit 3\n");
    await Deno.chmod(`${dir}/start.web`, 0o755);
    const h = scriptsHook({ scriptsDir: dir, insecure: true });
    const event = {
      hostId: "default",
      type: "container",
      action: "start",
      rawAction: "start",
      actor: { id: "c1", attributes: { name: "web" } },
      scope: "local",
      time: 0,
      timeNano: "0",
      synthetic: false,
      raw: "",
    };
    const noop = () => {};
    const log = { debug: noop, info: noop, warn: noop, error: noop, child: () => log };
    const err = await h.handle({
      event,
      container: undefined,
      host: { id: "default", name: "x", rootless: false, local: true } as never,
      log,
      signal: new AbortController().signal,
      exec,
      movedOn: false,
    }).catch((e) => e);
    assert.ok(err instanceof CommandError);
    assert.deepEqual(err.argv, [`${dir}/start.web`]);
    assert.equal(err.message, `Command \`${dir}/start.web\` exited with code 3: boom`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
