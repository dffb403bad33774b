import assert from "node:assert/strict";
import {
  install,
  launcherWarnings,
  reactorCommandLine,
  reactorLauncher,
  uninstall,
  unitFor,
} from "./install.ts";
import { exec, type Run } from "./lib/exec/run.ts";

Deno.test("reactorCommandLine() uses the binary when compiled, deno run otherwise", () => {
  assert.deepEqual(reactorCommandLine("/usr/local/bin/reactor", "file:///tmp/x/main.ts"), [
    "/usr/local/bin/reactor",
  ]);
  const here = new URL(".", import.meta.url).pathname;
  assert.deepEqual(reactorCommandLine("/usr/bin/deno", `file://${here}main.ts`), [
    "/usr/bin/deno",
    "run",
    "-A",
    `--config=${here}deno.json`,
    `${here}main.ts`,
  ]);
});

Deno.test("unitFor() passes flags through after `run`", () => {
  const u = unitFor({
    stateDir: "/var/lib/reactor/",
    runArgs: ["--scripts-dir=/etc/reactor/scripts", "--host-routes=deny"],
    command: ["/usr/local/bin/reactor"],
  });
  assert.ok(
    u.includes(
      "ExecStart=/usr/local/bin/reactor run --state-dir=/var/lib/reactor --scripts-dir=/etc/reactor/scripts --host-routes=deny\n",
    ),
    u,
  );
});

Deno.test("install() without systemd writes the unit, says so, and is idempotent; uninstall() reverses it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rx-install-" });
  try {
    const o = {
      exec,
      unitDir: `${dir}/units`,
      stateDir: `${dir}/state`,
      scriptsDir: `${dir}/scripts`,
      command: [Deno.execPath()],
      systemdRunning: () => Promise.resolve(false),
    };
    const first = await install(o);
    assert.equal(first.changed, true);
    assert.equal(first.activated, false);
    assert.match(first.messages.join("\n"), /systemd is not running on this machine/);
    assert.equal(await Deno.readTextFile(`${dir}/units/reactor.service`), first.unitText);
    assert.equal((await Deno.stat(`${dir}/scripts`)).mode! & 0o777, 0o755);
    const again = await install(o);
    assert.equal(again.changed, false);
    assert.match(again.messages[0]!, /already up to date/);

    await Deno.mkdir(`${dir}/state`);
    const un = await uninstall({ ...o });
    assert.match(un.messages.join("\n"), /Removed .*reactor.service/);
    await assert.rejects(Deno.stat(`${dir}/units/reactor.service`));
    assert.ok((await Deno.stat(`${dir}/state`)).isDirectory, "state kept without --purge");
    assert.match((await uninstall({ ...o })).messages.join("\n"), /is not installed/);
    await uninstall({ ...o, purge: true });
    await assert.rejects(Deno.stat(`${dir}/state`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("install() with systemd runs daemon-reload, enable and start/restart", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rx-install-" });
  try {
    const calls: string[] = [];
    const fake: Run = (argv) => {
      calls.push(argv.join(" "));
      return Promise.resolve({ argv, code: 0, stdout: "", stderr: "", durationMs: 0 });
    };
    const o = {
      exec: fake,
      unitDir: dir,
      stateDir: "/var/lib/reactor",
      command: ["/usr/local/bin/reactor"],
      systemdRunning: () => Promise.resolve(true),
    };
    assert.equal((await install(o)).activated, true);
    await install(o);
    await uninstall(o);
    assert.deepEqual(calls, [
      "systemctl daemon-reload",
      "systemctl enable reactor.service",
      "systemctl restart reactor.service",
      "systemctl daemon-reload",
      "systemctl enable reactor.service",
      "systemctl start reactor.service",
      "systemctl disable --now reactor.service",
      "systemctl daemon-reload",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("reactorLauncher() takes --deno and --workdir; launcherWarnings() names fragile places", async () => {
  const here = new URL(".", import.meta.url).pathname.replace(/\/$/, "");
  const l = reactorLauncher(
    "/root/.npm/_npx/abc/node_modules/deno/deno",
    "file:///tmp/co/main.ts",
    {
      deno: "/opt/deno/bin/deno",
      workdir: here,
    },
  );
  assert.deepEqual(l.argv, [
    "/opt/deno/bin/deno",
    "run",
    "-A",
    `--config=${here}/deno.json`,
    `${here}/main.ts`,
  ]);
  assert.equal(l.checkout, here);
  const env = { get: (_k: string) => undefined };
  assert.deepEqual(launcherWarnings({ argv: ["/usr/local/bin/reactor"] }, env), []);
  const npx = reactorLauncher(
    "/root/.npm/_npx/abc/node_modules/deno/deno",
    "file:///tmp/co/main.ts",
  );
  const w = launcherWarnings(npx, env);
  assert.equal(w.length, 2, w.join("\n"));
  assert.match(
    w[0]!,
    /^The unit would run deno from \/root\/\.npm\/_npx\/abc\/node_modules\/deno\/deno, in the npx cache, .* pass --deno PATH/,
  );
  assert.match(
    w[1]!,
    /^The unit would run \/tmp\/co\/main\.ts from a temporary directory, .* pass --workdir DIR/,
  );
  // a stable deno whose real path is in the npx cache is still named
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/.npm/_npx/x`, { recursive: true });
    await Deno.writeTextFile(`${dir}/.npm/_npx/x/deno`, "");
    await Deno.symlink(`${dir}/.npm/_npx/x/deno`, `${dir}/deno`);
    const linked = launcherWarnings(
      { argv: [`${dir}/deno`], checkout: here, deno: `${dir}/deno` },
      env,
    );
    assert.match(linked[0] ?? "", /in the npx cache/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("unitFor() from a checkout runs in it with DENO_DIR under the state dir", () => {
  const u = unitFor({
    stateDir: "/var/lib/reactor",
    command: ["/usr/local/bin/deno", "run", "-A", "/opt/reactor/main.ts"],
  });
  const lines = u.split("\n");
  assert.ok(lines.includes("Environment=DENO_DIR=/var/lib/reactor/deno"), u);
  assert.ok(lines.includes("WorkingDirectory=/opt/reactor"), u);
  assert.ok(lines.includes("ProtectHome=read-only"), u);
  assert.ok(lines.includes("StateDirectory=reactor"), "DENO_DIR is inside a writable dir");
  const compiled = unitFor({ stateDir: "/var/lib/reactor", command: ["/usr/local/bin/reactor"] });
  assert.ok(!compiled.includes("DENO_DIR"), compiled);
});

Deno.test("install() from a checkout fills the unit's Deno cache and reports fragile paths", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rx-install-" });
  try {
    const calls: { argv: string; env?: Record<string, string> }[] = [];
    const fake: Run = (argv, opts) => {
      calls.push({ argv: argv.join(" "), env: opts?.env });
      return Promise.resolve({ argv, code: 0, stdout: "", stderr: "", durationMs: 0 });
    };
    const r = await install({
      exec: fake,
      unitDir: `${dir}/units`,
      stateDir: `${dir}/state`,
      command: ["/usr/bin/deno", "run", "-A", "--config=/tmp/co/deno.json", "/tmp/co/main.ts"],
      systemdRunning: () => Promise.resolve(false),
    });
    assert.deepEqual(calls, [{
      argv: "/usr/bin/deno cache --config=/tmp/co/deno.json /tmp/co/main.ts",
      env: { DENO_DIR: `${dir}/state/deno` },
    }]);
    assert.equal(r.warnings.length, 1);
    assert.match(
      r.messages[0]!,
      /^warning: The unit would run \/tmp\/co\/main\.ts from a temporary directory/,
    );
    assert.ok(
      r.messages.includes(
        `Cached reactor's dependencies in ${dir}/state/deno (the unit's DENO_DIR)`,
      ),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
