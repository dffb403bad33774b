/**
 * Bad input against the real CLI and a real dockerd: a TS config that never finishes loading
 * (at `check`, and on reload of a running daemon), a config path that is a directory or a
 * FIFO, binary garbage as a config, a world-writable `--scripts-dir`, and a label with a
 * thousand parts. Each is refused with one clear line, and the daemon keeps working.
 *
 * @module
 */
import assert from "node:assert/strict";
import { exec } from "../lib/exec/run.ts";
import { startDockerd, waitFor } from "./harness/dockerd.ts";
import { startDeno } from "./harness/process.ts";

const d = await startDockerd();

async function reactor(args: string[]) {
  const p = startDeno("main.ts", args);
  const code = await p.wait();
  return { code, out: p.output() };
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("check refuses a TS config that never finishes loading, naming the file", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/loop.ts`, "while (true) {}\nexport default {};\n");
    const r = await reactor(["check", "--config-timeout", "1s", "-c", `${dir}/loop.ts`]);
    assert.equal(r.code, 2, r.out);
    assert.equal(
      r.out.trim(),
      `${dir}/loop.ts: the config did not finish loading within 1s (an endless loop, or a promise that never settles, at top level or in its default export) — fix the code that runs at load time, or raise --config-timeout`,
    );
  });
});

Deno.test("a running daemon survives reloads of stuck TS configs and still exits cleanly", async () => {
  await withDir(async (dir) => {
    const file = `${dir}/reactor.config.ts`;
    const good = (tag: string) =>
      `export default { hooks: { labels: false, scripts: false }, onStart: (c, ctx) => ctx.exec(["touch", "${dir}/" + c.name + ".${tag}"]) };\n`;
    await Deno.writeTextFile(file, good("v1"));
    const p = startDeno("main.ts", [
      "--state-dir",
      `${dir}/state`,
      "-H",
      d.host,
      "run",
      "--config-timeout",
      "2s",
      "-c",
      file,
    ]);
    try {
      await p.waitForOutput(/Connected to/);
      // an endless loop at top level, then a default export that never settles
      for (
        const [i, text] of [
          "while (true) {}\nexport default {};\n",
          "export default () => new Promise(() => {});\n",
        ].entries()
      ) {
        await Deno.writeTextFile(file, text);
        p.kill("SIGHUP");
        await waitFor(
          () => (p.output().match(/did not finish loading within 2s/g) ?? []).length > i,
          { what: `reload ${i + 1} rejected:\n${p.output()}` },
        );
        await d.runContainer(`stuck-${i}`);
        await waitFor(() => Deno.stat(`${dir}/stuck-${i}.v1`).then(() => true, () => false), {
          what: `the old config still handles events:\n${p.output()}`,
        });
      }
      // later reloads are not queued behind the stuck ones
      await Deno.writeTextFile(file, good("v2"));
      p.kill("SIGHUP");
      await p.waitForOutput(/config reloaded/);
      await d.runContainer("stuck-after");
      await waitFor(() => Deno.stat(`${dir}/stuck-after.v2`).then(() => true, () => false), {
        what: "the new config handles events",
      });
      p.kill("SIGTERM");
      assert.equal(await p.wait(), 0, p.output());
      assert.doesNotMatch(p.output(), /Top-level await promise never resolved/);
    } finally {
      p.kill("SIGKILL");
      await p.wait();
      await d.dockerRaw("rm", "-f", "stuck-0", "stuck-1", "stuck-after");
    }
  });
});

Deno.test("a directory or a FIFO given as --config says what it is; reading never hangs", async () => {
  await withDir(async (dir) => {
    await Deno.mkdir(`${dir}/conf.yaml`);
    await exec(["mkfifo", `${dir}/fifo.yaml`]);
    const a = await reactor(["check", "-c", `${dir}/conf.yaml`]);
    assert.equal(a.code, 2);
    assert.equal(
      a.out.trim(),
      `${dir}/conf.yaml: is a directory, not a config file (from --config) — pass a file inside it, e.g. --config ${dir}/conf.yaml/reactor.yaml`,
    );
    const b = await reactor(["check", "-c", `${dir}/fifo.yaml`]);
    assert.equal(b.code, 2);
    assert.equal(
      b.out.trim(),
      `${dir}/fifo.yaml: is a FIFO (named pipe), not a config file (from --config) — pass a regular file (.yaml, .yml or .ts)`,
    );
  });
});

Deno.test("binary garbage as a config gives one short line", async () => {
  await withDir(async (dir) => {
    const bytes = new Uint8Array(43_000);
    crypto.getRandomValues(bytes.subarray(0, 40_000));
    bytes.set(new TextEncoder().encode("events_reactor:\n"), 0);
    await Deno.writeFile(`${dir}/garbage.yaml`, bytes);
    const r = await reactor(["check", "-c", `${dir}/garbage.yaml`]);
    assert.equal(r.code, 2);
    const lines = r.out.trim().split("\n");
    assert.equal(lines.length, 1, r.out.slice(0, 2000));
    assert.ok(lines[0]!.length < 200, lines[0]);
    assert.match(lines[0]!, /garbage\.yaml:\d+:\d+: not a text file/);
  });
});

Deno.test("a --scripts-dir others can write is refused at startup, as in the config", async () => {
  await withDir(async (dir) => {
    await Deno.mkdir(`${dir}/scripts`);
    await Deno.chmod(`${dir}/scripts`, 0o777);
    const viaFlag = await reactor([
      "--state-dir",
      `${dir}/state`,
      "-H",
      d.host,
      "run",
      "--scripts-dir",
      `${dir}/scripts`,
    ]);
    assert.equal(viaFlag.code, 2, viaFlag.out);
    await Deno.writeTextFile(`${dir}/r.yaml`, `hooks:\n  scripts: { dir: ${dir}/scripts }\n`);
    const viaConfig = await reactor(["-H", d.host, "check", "-c", `${dir}/r.yaml`]);
    assert.equal(viaConfig.code, 2);
    const line =
      `${dir}/scripts: refusing scripts dir that is writable by group and others (mode 0777)`;
    assert.ok(viaFlag.out.startsWith(line), viaFlag.out);
    assert.equal(viaFlag.out.trim(), viaConfig.out.trim());
  });
});

Deno.test("a label with 1,000 parts applies 64 and refuses the rest with one line", async () => {
  await withDir(async (dir) => {
    const value = Array.from(
      { length: 1000 },
      (_, i) => `add 10.77.${i % 250}.${i >> 3}/32 dev eth0`,
    )
      .join(";");
    const p = startDeno("main.ts", [
      "--state-dir",
      `${dir}/state`,
      "-H",
      d.host,
      "run",
      "--scripts-dir",
      `${dir}/none`,
    ]);
    try {
      await p.waitForOutput(/Connected to/);
      await d.runContainer("many-parts", { labels: { "docker-events.route": value } });
      await p.waitForOutput(/more than 64 parts: these 936 are refused/);
      const pid = await d.pidOf("many-parts");
      const routes = await exec(["nsenter", "-t", String(pid), "-n", "ip", "-j", "route"]);
      const ours = (JSON.parse(routes.stdout) as { dst: string }[]).filter((r) =>
        r.dst.startsWith("10.77.")
      );
      assert.equal(ours.length, 64);
      assert.equal((p.output().match(/more than 64 parts/g) ?? []).length, 1);
      p.kill("SIGTERM");
      assert.equal(await p.wait(), 0);
    } finally {
      p.kill("SIGKILL");
      await p.wait();
      await d.dockerRaw("rm", "-f", "many-parts");
    }
  });
});

Deno.test("teardown: stop the private dockerd", async () => {
  await d.close();
});
