import assert from "node:assert/strict";
import { builtinFactory, type DefaultHooksOptions, loadDaemonConfig } from "./hooks.ts";
import type { Hook } from "../engine/hook.ts";

function fakeDefaults(seen: DefaultHooksOptions[]) {
  return (o: DefaultHooksOptions): Hook[] => {
    seen.push(o);
    return ["labels", "scripts"].map((name) => ({
      name,
      wants: () => true,
      handle: async () => {},
    }));
  };
}

Deno.test("builtinFactory() passes config settings to defaultHooks; CLI flags win", () => {
  const seen: DefaultHooksOptions[] = [];
  const hooks = builtinFactory({ stateDir: "/s" }, { labelPrefix: "cli." }, fakeDefaults(seen))({
    labels: { prefix: "file.", hostRoutes: "deny" },
    scripts: { dir: "/etc/x", timeoutMs: 5000 },
  });
  assert.deepEqual(hooks.map((h) => h.name), ["labels", "scripts"]);
  assert.deepEqual(seen, [{
    stateDir: "/s",
    labelPrefix: "cli.",
    hostRoutes: "deny",
    scriptsDir: "/etc/x",
    scriptTimeoutMs: 5000,
    insecureScripts: undefined,
  }]);
});

Deno.test("builtinFactory() drops the built-in hooks a config turns off", () => {
  const seen: DefaultHooksOptions[] = [];
  const make = fakeDefaults(seen);
  const g = { stateDir: "/s" };
  assert.deepEqual(builtinFactory(g, {}, make)({ labels: false, scripts: {} }).map((h) => h.name), [
    "scripts",
  ]);
  assert.deepEqual(builtinFactory(g, {}, make)({ labels: {}, scripts: false }).map((h) => h.name), [
    "labels",
  ]);
  assert.deepEqual(builtinFactory(g, {}, make)({ labels: false, scripts: false }), []);
  assert.equal(seen.length, 2, "not even built when both are off");
  assert.equal(
    builtinFactory(g, { insecureConfig: true }, make)({ labels: {}, scripts: {} }).length,
    2,
  );
  assert.equal(seen[2]?.insecureScripts, true, "--insecure-config also accepts the scripts dir");
});

Deno.test("loadDaemonConfig() orders built-ins, rules and handlers from the config files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/a.yaml`,
      "hooks: { scripts: false }\nevents_reactor:\n  r:\n    run: [/bin/true]\n",
    );
    await Deno.writeTextFile(`${dir}/b.ts`, "export default { onStart() {} };\n");
    const { config, hooks } = await loadDaemonConfig(
      { stateDir: "/s" },
      { config: [`${dir}/a.yaml`, `${dir}/b.ts`] },
      fakeDefaults([]),
    );
    assert.deepEqual(config.files, [`${dir}/a.yaml`, `${dir}/b.ts`]);
    assert.deepEqual(hooks.map((h) => h.name), ["labels", "rule:r", "ts:onStart"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
