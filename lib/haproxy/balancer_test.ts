/**
 * HaproxyBalancer decisions without HAProxy: `haproxy -c` and the reload command are recorded by
 * a substitute `exec`, and the Runtime API socket does not exist (so every change is a reload
 * that cannot be verified). The real-HAProxy behaviour is tested in tests/haproxy/.
 */
import assert from "node:assert/strict";
import { CommandError } from "../errors.ts";
import type { Run } from "../exec/run.ts";
import type { Log } from "../log.ts";
import { container } from "./_fixtures.ts";
import { type ApplyResult, HaproxyBalancer } from "./balancer.ts";
import { parseHaproxySettings } from "./settings.ts";

function quietLog(lines: string[]): Log {
  const log: Log = {
    debug: () => {},
    info: (m) => void lines.push(`info ${m}`),
    warn: (m) => void lines.push(`warn ${m}`),
    error: (m) => void lines.push(`error ${m}`),
    child: () => log,
  };
  return log;
}

async function setup(extra: Record<string, unknown> = {}) {
  const dir = await Deno.makeTempDir();
  const configFile = `${dir}/haproxy.cfg`;
  await Deno.writeTextFile(configFile, "# the old config\n");
  const parsed = parseHaproxySettings({
    configFile,
    statsSocket: `${dir}/no-haproxy.sock`,
    reload: ["my-reload", "--now"],
    wait: "10ms..50ms",
    ...extra,
  });
  const calls: string[][] = [];
  let failReload = false;
  const exec: Run = (argv) => {
    calls.push([...argv]);
    if (argv[0] === "my-reload" && failReload) {
      return Promise.reject(
        new CommandError({ argv, code: 1, stderr: "Job failed", reason: "exit" }),
      );
    }
    return Promise.resolve({ argv, code: 0, stdout: "", stderr: "", durationMs: 1 });
  };
  const lines: string[] = [];
  return {
    dir,
    configFile,
    calls,
    lines,
    settings: parsed.settings!,
    exec,
    log: quietLog(lines),
    failReload: (v: boolean) => void (failReload = v),
  };
}

const WEB = [container("web", "10.0.0.2", { glue_http_80_host: "a.io" })];

Deno.test("HaproxyBalancer.update() checks, writes in place, reloads by argv and keeps a last-good copy", async () => {
  const s = await setup();
  try {
    const ino = (await Deno.stat(s.configFile)).ino;
    const b = new HaproxyBalancer(s.settings, { exec: s.exec, log: s.log });
    const r = await b.update(WEB);
    assert.equal(r.action, "reload", JSON.stringify(r));
    assert.deepEqual(s.calls, [
      ["haproxy", "-c", "-f", `${s.configFile}.candidate`],
      ["my-reload", "--now"],
    ]);
    const text = await Deno.readTextFile(s.configFile);
    assert.match(text, /server web_\w+ 10\.0\.0\.2:80 weight 100 /);
    assert.equal((await Deno.stat(s.configFile)).ino, ino, "written in place");
    assert.equal(await Deno.readTextFile(`${s.configFile}.last-good`), text);
    assert.ok(
      s.lines.some((l) => l.startsWith("warn HAProxy reload not verified")),
      s.lines.join("\n"),
    );
    // same containers again: nothing to do, nothing run
    assert.equal((await b.update(WEB)).action, "none");
    assert.equal(s.calls.length, 2);
    await b.close();
  } finally {
    await Deno.remove(s.dir, { recursive: true });
  }
});

Deno.test("HaproxyBalancer.update() puts the previous file back when the reload fails", async () => {
  const s = await setup();
  try {
    const b = new HaproxyBalancer(s.settings, { exec: s.exec, log: s.log });
    s.failReload(true);
    const r = await b.update(WEB);
    assert.equal(r.action, "failed");
    assert.equal(r.stage, "reload");
    assert.match(
      r.error!,
      /the reload failed: Command `my-reload --now` exited with code 1: Job failed/,
    );
    assert.equal(await Deno.readTextFile(s.configFile), "# the old config\n");
    s.failReload(false);
    assert.equal((await b.update(WEB)).action, "reload");
    await b.close();
  } finally {
    await Deno.remove(s.dir, { recursive: true });
  }
});

Deno.test("HaproxyBalancer.schedule() debounces a burst and retries a failure by itself", async () => {
  const s = await setup();
  try {
    let renders = 0;
    const results: ApplyResult[] = [];
    let settled: () => void = () => {};
    const done = new Promise<void>((r) => settled = r);
    const b = new HaproxyBalancer(s.settings, {
      exec: s.exec,
      log: s.log,
      render: (m) => {
        renders++;
        if (renders === 1) throw new Error("template not there yet");
        return `# ${m.backends.length} backends\n`;
      },
      onResult: (r) => {
        results.push(r);
        if (r.action !== "failed") settled();
      },
    });
    for (let i = 0; i < 20; i++) b.schedule(WEB);
    await done;
    await b.close();
    assert.deepEqual(results.map((r) => r.action), ["failed", "reload"]);
    assert.equal(results[0]!.stage, "render");
    assert.match(
      results[0]!.error!,
      /^Cannot render the HAProxy config from the render function: template not there yet — fix the template$/,
    );
    assert.equal(await Deno.readTextFile(s.configFile), "# 1 backends\n");
    assert.ok(s.lines.some((l) => l.startsWith("info HAProxy update will be retried")));
  } finally {
    await Deno.remove(s.dir, { recursive: true });
  }
});

Deno.test("HaproxyBalancer logs each label warning once, while it lasts", async () => {
  const s = await setup();
  try {
    const b = new HaproxyBalancer(s.settings, { exec: s.exec, log: s.log });
    const evil = container("evil", "10.0.0.3", { glue_http_80_host: "x.io\n  server p 1.1.1.1:1" });
    await b.update([...WEB, evil]);
    await b.update([...WEB, evil]);
    const warned = () => s.lines.filter((l) => l.includes('Container "evil"')).length;
    assert.equal(warned(), 1);
    await b.update(WEB);
    await b.update([...WEB, evil]);
    assert.equal(warned(), 2, "logged again after it went away and came back");
    await b.close();
  } finally {
    await Deno.remove(s.dir, { recursive: true });
  }
});
