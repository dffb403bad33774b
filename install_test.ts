import assert from "node:assert/strict";
import { install, reactorCommandLine, uninstall, unitFor } from "./install.ts";
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
