import assert from "node:assert/strict";
import { runArgsFor } from "./install.ts";
import { exec } from "../exec/run.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

Deno.test("runArgsFor() forwards the given run flags and extra args only", () => {
  assert.deepEqual(runArgsFor({}), []);
  assert.deepEqual(
    runArgsFor({ config: ["/etc/reactor/reactor.yaml", "rules.yaml"] }),
    ["--config=/etc/reactor/reactor.yaml", `--config=${Deno.cwd()}/rules.yaml`],
    "every -c, made absolute (systemd does not start reactor in this directory)",
  );
  assert.deepEqual(
    runArgsFor({
      host: "unix:///run/docker.sock",
      scriptsDir: "/etc/reactor/scripts",
      hostRoutes: "label:trusted=yes",
      insecureScripts: true,
      logLevel: "debug",
    }, ["--foo"]),
    [
      "--log-level=debug",
      "--host=unix:///run/docker.sock",
      "--scripts-dir=/etc/reactor/scripts",
      "--host-routes=label:trusted=yes",
      "--insecure-scripts",
      "--foo",
    ],
  );
});

Deno.test("`reactor install` writes a verifiable unit without systemd and `uninstall --purge` reverses it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rx-cli-install-" });
  try {
    const common = ["--state-dir", `${dir}/state`];
    const r = await exec([
      Deno.execPath(),
      "run",
      "-A",
      MAIN,
      "install",
      ...common,
      "--unit-dir",
      `${dir}/units`,
      "--scripts-dir",
      `${dir}/scripts`,
      "--host-routes",
      "deny",
    ]);
    assert.match(r.stdout, /Wrote .*reactor\.service/);
    assert.match(r.stdout, /systemd is not running on this machine/);
    const unit = await Deno.readTextFile(`${dir}/units/reactor.service`);
    assert.match(
      unit,
      /^ExecStart=.* run --state-dir=.*\/state --scripts-dir=.*\/scripts --host-routes=deny$/m,
    );
    const v = await exec(["systemd-analyze", "verify", `${dir}/units/reactor.service`], {
      okCodes: [0, 1],
    });
    assert.equal(v.code, 0, v.stderr);
    assert.equal(
      v.stderr.split("\n").filter((l) => l.includes("reactor.service")).length,
      0,
      v.stderr,
    );

    const printed = await exec([
      Deno.execPath(),
      "run",
      "-A",
      MAIN,
      "install",
      "--print",
      ...common,
      "--scripts-dir",
      `${dir}/scripts`,
      "--host-routes",
      "deny",
    ]);
    assert.equal(printed.stdout.trimEnd(), unit.trimEnd(), "--print shows the same unit");

    await Deno.mkdir(`${dir}/state`, { recursive: true });
    const u = await exec([
      Deno.execPath(),
      "run",
      "-A",
      MAIN,
      "uninstall",
      ...common,
      "--unit-dir",
      `${dir}/units`,
      "--purge",
    ]);
    assert.match(u.stdout, /Removed .*reactor\.service/);
    await assert.rejects(Deno.stat(`${dir}/units/reactor.service`));
    await assert.rejects(Deno.stat(`${dir}/state`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
