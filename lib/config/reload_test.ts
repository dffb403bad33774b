import assert from "node:assert/strict";
import { ConfigReloader } from "./reload.ts";
import { configHooks } from "./hooks.ts";
import { loadConfig } from "./load.ts";
import type { Hook } from "../engine/hook.ts";
import { getLog } from "../log.ts";
import { waitFor } from "../../tests/harness/dockerd.ts";

const DEPS = { stateDir: "/nonexistent", log: getLog(), insecure: false };
const hooksOf = async (file: string) => ({
  hooks: configHooks(await loadConfig([file]), DEPS),
});

async function setup() {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/reactor.yaml`;
  await Deno.writeTextFile(file, "events_reactor:\n  one:\n    run: [a]\n");
  let installed: Hook[] = (await hooksOf(file)).hooks;
  const reloader = new ConfigReloader({
    load: () => hooksOf(file),
    apply: ({ hooks }) => void (installed = hooks),
    log: getLog(),
    debounceMs: 20,
  });
  return {
    dir,
    file,
    reloader,
    names: () => installed.map((h) => h.name),
  };
}

Deno.test("ConfigReloader.reload() installs a valid config and keeps the old one when invalid", async () => {
  const s = await setup();
  try {
    await Deno.writeTextFile(s.file, "events_reactor:\n  two:\n    run: [b]\n");
    assert.equal(await s.reloader.reload("test"), true);
    assert.deepEqual(s.names(), ["rule:two"]);
    await Deno.writeTextFile(s.file, "events_reactor:\n  three:\n    run: b\n");
    assert.equal(await s.reloader.reload("test"), false);
    assert.deepEqual(s.names(), ["rule:two"], "the running config stays");
    assert.equal(s.reloader.failures, 1);
    await Deno.writeTextFile(s.file, "events_reactor:\n  four:\n    run: [c]\n");
    assert.equal(await s.reloader.reload("test"), true);
    assert.deepEqual(s.names(), ["rule:four"]);
  } finally {
    await s.reloader.close();
    await Deno.remove(s.dir, { recursive: true });
  }
});

Deno.test("ConfigReloader reloads on SIGHUP and on file change", async () => {
  const s = await setup();
  try {
    s.reloader.onSighup();
    s.reloader.watch([s.file]);
    await Deno.writeTextFile(s.file + ".new", "events_reactor:\n  renamed:\n    run: [x]\n");
    await Deno.rename(s.file + ".new", s.file); // how editors save
    await waitFor(() => s.names()[0] === "rule:renamed", { what: "reload on file change" });
    await s.reloader.close(); // stop watching so only SIGHUP can reload now
    const r2 = new ConfigReloader({
      load: () => hooksOf(s.file),
      apply: () => {},
      log: getLog(),
    });
    r2.onSighup();
    Deno.kill(Deno.pid, "SIGHUP");
    await waitFor(() => r2.reloads === 1, { what: "reload on SIGHUP" });
    await r2.close();
  } finally {
    await s.reloader.close();
    await Deno.remove(s.dir, { recursive: true });
  }
});

Deno.test("loadConfig() re-evaluates a changed reactor.config.ts on every load (cache-busting)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/reactor.config.ts`;
    await Deno.writeTextFile(file, `export default { on: [{ name: "v1", run: () => {} }] };\n`);
    assert.deepEqual((await loadConfig([file])).handlers.map((h) => h.name), ["v1"]);
    await Deno.writeTextFile(file, `export default { on: [{ name: "v2", run: () => {} }] };\n`);
    assert.deepEqual((await loadConfig([file])).handlers.map((h) => h.name), ["v2"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
