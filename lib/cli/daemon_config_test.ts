import assert from "node:assert/strict";
import { loadDaemonConfig } from "./daemon_config.ts";
import { loadCliConfig } from "./config.ts";
import { BUILTIN_HOOKS } from "../../hooks/mod.ts";
import { ConfigError } from "../errors.ts";
import { getLog, type Log } from "../log.ts";

const g: { stateDir: string; log: Log; host?: string } = { stateDir: "/s", log: getLog() };
const CTX = { hosts: { env: {}, home: "/root" }, env: "" };

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("the built-in hooks on by default are labels then scripts", () => {
  assert.deepEqual(BUILTIN_HOOKS.filter((h) => h.defaultOn).map((h) => h.name), [
    "labels",
    "scripts",
  ]);
});

Deno.test("hook flags win over the config file's settings", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/a.yaml`,
      `hooks:\n  labels: { prefix: file., hostRoutes: deny }\n  scripts: { dir: ${dir}, timeout: 5s }\n`,
    );
    const cfg = await loadCliConfig(g, { config: [`${dir}/a.yaml`], labelPrefix: "cli." }, CTX);
    assert.deepEqual(cfg.builtins, {
      labels: { prefix: "cli.", hostRoutes: "deny" },
      scripts: { dir, timeoutMs: 5000 },
    });
  });
});

Deno.test("a bad hook flag is reported naming the flag", async () => {
  const err = await loadCliConfig(
    g,
    { config: [], hostRoutes: "maybe", scriptTimeout: "soon" },
    CTX,
  )
    .then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof ConfigError);
  assert.deepEqual(err.problems, [
    '--host-routes: expected true, false, "allow", "deny" or "label:<key>=<value>", got string "maybe"',
    '--script-timeout: "soon" is not a duration — write e.g. "500ms", "30s", "1m30s" or a number of seconds',
  ]);
});

Deno.test("a config turns built-in hooks off; flags do not turn them back on", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/a.yaml`, "hooks: { labels: false }\n");
    await Deno.writeTextFile(`${dir}/b.yaml`, "hooks: { labels: false, scripts: false }\n");
    const one = await loadDaemonConfig(g, { config: [`${dir}/a.yaml`], labelPrefix: "x." });
    assert.deepEqual(one.hooks.map((h) => h.name), ["scripts"]);
    const none = await loadDaemonConfig(g, { config: [`${dir}/b.yaml`] });
    assert.deepEqual(none.hooks, []);
    assert.deepEqual(none.config.builtins, { labels: false, scripts: false });
  });
});

Deno.test("--insecure-config also accepts a scripts dir others can write (as root)", async () => {
  await withDir(async (dir) => {
    await Deno.chmod(dir, 0o777);
    const flags = { config: [], scriptsDir: dir };
    const refused = await loadCliConfig(g, flags, { ...CTX, isRoot: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(refused instanceof ConfigError);
    assert.match(refused.problems[0]!, /refusing scripts dir that .*mode 0777/);
    const cfg = await loadCliConfig(g, { ...flags, insecureConfig: true }, {
      ...CTX,
      isRoot: true,
    });
    assert.deepEqual(cfg.builtins["scripts"], { dir });
  });
});

Deno.test("loadDaemonConfig() orders built-ins, rules and handlers from the config files", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/a.yaml`,
      "hooks: { scripts: false }\nevents_reactor:\n  r:\n    run: [/bin/true]\n",
    );
    await Deno.writeTextFile(`${dir}/b.ts`, "export default { onStart() {} };\n");
    const { config, hooks } = await loadDaemonConfig(g, {
      config: [`${dir}/a.yaml`, `${dir}/b.ts`],
    });
    try {
      assert.deepEqual(config.files, [`${dir}/a.yaml`, `${dir}/b.ts`]);
      assert.deepEqual(hooks.map((h) => h.name), ["labels", "rule:r", "ts:onStart"]);
    } finally {
      config.close();
    }
  });
});
