/**
 * `reactor install` from a checkout (issue 11): the unit sets DENO_DIR under the state directory,
 * and that is what makes it run under `ProtectHome=read-only`. Checked for real: the unit's own
 * command line runs in a mount namespace where /root and /home are read-only, as systemd would
 * run it; with a Deno cache in the read-only home instead, it fails.
 */
import assert from "node:assert/strict";
import { ROOT } from "../harness/process.ts";
import { exec } from "../../lib/exec/run.ts";

const ANY = Array.from({ length: 256 }, (_, i) => i);

/** The words of a unit line written by renderUnit (plain words only, as asserted). */
function words(line: string): string[] {
  assert.doesNotMatch(line, /["\\]/, `plain words expected: ${line}`);
  return line.split(" ");
}

/** Run argv as systemd with ProtectHome=read-only would: /root and /home read-only. */
async function underProtectHome(argv: string[], env: Record<string, string>, cwd: string) {
  const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const script = [
    "mount --make-rprivate /",
    "for d in /root /home; do [ -d $d ] && mount --bind $d $d && mount -o remount,bind,ro $d; done",
    "touch /root/.rx-probe 2>/dev/null && { echo 'home is writable'; exit 99; }",
    `cd ${q(cwd)}`,
    `exec env ${Object.entries(env).map(([k, v]) => q(`${k}=${v}`)).join(" ")} ${
      argv.map(q).join(" ")
    }`,
  ].join("\n");
  return await exec(["unshare", "--mount", "--propagation", "private", "sh", "-c", script], {
    okCodes: ANY,
    timeoutMs: 120_000,
  });
}

Deno.test("a unit installed from a checkout runs under ProtectHome=read-only (DENO_DIR in the state dir)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rx-op-unit-" });
  try {
    const state = `${dir}/state`;
    await Deno.mkdir(`${dir}/scripts`, { mode: 0o755 });
    const r = await exec([
      Deno.execPath(),
      "run",
      "-A",
      `${ROOT}/main.ts`,
      "--state-dir",
      state,
      "install",
      "--unit-dir",
      `${dir}/units`,
      "--scripts-dir",
      `${dir}/scripts`,
      "--workdir",
      ROOT,
    ], { cwd: ROOT, timeoutMs: 600_000 });
    assert.match(r.stdout, new RegExp(`Cached reactor's dependencies in ${state}/deno`));
    const unit = (await Deno.readTextFile(`${dir}/units/reactor.service`)).split("\n");
    const value = (key: string) => unit.find((l) => l.startsWith(`${key}=`))?.slice(key.length + 1);
    assert.equal(value("Environment"), `DENO_DIR=${state}/deno`);
    assert.equal(value("WorkingDirectory"), ROOT);
    assert.equal(value("ProtectHome"), "read-only");
    const exec0 = words(value("ExecStart")!);
    const run = exec0.indexOf("run", 2);
    assert.equal(exec0[run - 1], `${ROOT}/main.ts`);
    // the unit's command line, with `check` in place of `run` (it loads the whole program)
    const argv = [...exec0.slice(0, run), "check", ...exec0.slice(run + 1)];
    const ok = await underProtectHome(argv, { DENO_DIR: `${state}/deno`, HOME: "/root" }, ROOT);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^config: embedded default/);
    // a Deno cache in the (read-only) home, as without DENO_DIR on a fresh machine: it fails
    const cold = `/root/.cache/rx-op-cold-${crypto.randomUUID()}`;
    const bad = await underProtectHome(argv, { DENO_DIR: cold, HOME: "/root" }, ROOT);
    assert.notEqual(
      bad.code,
      0,
      "a cache in a read-only home must fail, or this test proves nothing",
    );
    assert.notEqual(bad.code, 99);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
