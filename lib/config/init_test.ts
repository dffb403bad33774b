import assert from "node:assert/strict";
import { STARTER_CONFIG, writeStarter } from "./init.ts";
import { exec } from "../exec/run.ts";
import { CommandError, UsageError } from "../errors.ts";
import { loadConfig } from "./load.ts";
import { BUILTIN_HOOKS } from "../../hooks/mod.ts";
import { getLog } from "../log.ts";

async function denoCheck(dir: string, file: string) {
  return await exec([Deno.execPath(), "check", "--no-config", file], {
    cwd: dir,
    timeoutMs: 120_000,
  });
}

Deno.test("writeStarter() writes reactor.d.ts byte-identical to the public type file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeStarter({ dir, typesOnly: true });
    const written = await Deno.readFile(`${dir}/reactor.d.ts`);
    const source = await Deno.readFile(new URL("../reactor.d.ts", import.meta.url));
    assert.deepEqual(written, source);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeStarter() writes a config that type-checks against reactor.d.ts and loads", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const files = await writeStarter({ dir });
    assert.deepEqual(files, [`${dir}/reactor.d.ts`, `${dir}/reactor.config.ts`]);
    assert.equal(await Deno.readTextFile(`${dir}/reactor.config.ts`), STARTER_CONFIG);
    assert.doesNotMatch(
      await Deno.readTextFile(`${dir}/reactor.d.ts`),
      /^import /m,
      "self-contained",
    );
    await denoCheck(dir, "reactor.config.ts");
    const cfg = await loadConfig([`${dir}/reactor.config.ts`], { registry: BUILTIN_HOOKS });
    assert.deepEqual(cfg.handlers.map((h) => h.name), ["onStart", "on[0]"]);
    assert.deepEqual(cfg.builtins, {
      labels: { hostRoutes: "allow" },
      scripts: { dir: "/etc/reactor/scripts" },
    });

    // the types catch mistakes: a misspelled ctx member and a wrong option type
    await Deno.writeTextFile(
      `${dir}/bad.config.ts`,
      `import type { Config } from "./reactor.d.ts";\nexport default {\n  onStart: async (c, ctx) => {\n    await ctx.ip.route.add("10.0.0.0/8", { dev: "eth0", metric: "5" });\n    ctx.lgo.info(c.name);\n  },\n} satisfies Config;\n`,
    );
    const err = await denoCheck(dir, "bad.config.ts").then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof CommandError, "deno check must reject the bad config");
    assert.match(err.stderr, /metric/);
    assert.match(err.stderr, /lgo/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeStarter() refuses to overwrite without force; --types-only refreshes reactor.d.ts", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/reactor.config.ts`, "mine");
    await assert.rejects(writeStarter({ dir }), UsageError);
    assert.equal(await Deno.readTextFile(`${dir}/reactor.config.ts`), "mine");
    assert.deepEqual(await writeStarter({ dir, typesOnly: true }), [`${dir}/reactor.d.ts`]);
    assert.equal(await Deno.readTextFile(`${dir}/reactor.config.ts`), "mine");
    await writeStarter({ dir, force: true });
    assert.equal(await Deno.readTextFile(`${dir}/reactor.config.ts`), STARTER_CONFIG);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the starter config reproduces the embedded default; the safer policy is one uncomment away", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeStarter({ dir });
    const describe = (c: Awaited<ReturnType<typeof loadConfig>>) =>
      c.hooks.map((h) =>
        `${h.hook.name}: ${
          h.settings === false ? "off" : JSON.stringify(h.hook.create(h.settings, deps)[0]?.name)
        } ${effective(h.hook.name, h.settings)}`
      );
    const deps = { stateDir: dir, log: getLog(), insecure: false };
    const embedded = await loadConfig([], { registry: BUILTIN_HOOKS });
    const starter = await loadConfig([`${dir}/reactor.config.ts`], { registry: BUILTIN_HOOKS });
    assert.deepEqual(describe(starter), describe(embedded));
    starter.close();

    // the commented line is valid and gives the safer policy
    const text = await Deno.readTextFile(`${dir}/reactor.config.ts`);
    const safer = text.replace('labels: { hostRoutes: "allow" },\n', "")
      .replace(
        '// labels: { hostRoutes: "label:reactor.trusted=yes" }',
        'labels: { hostRoutes: "label:reactor.trusted=yes" }',
      );
    assert.notEqual(safer, text);
    await Deno.writeTextFile(`${dir}/reactor.config.ts`, safer);
    const s = await loadConfig([`${dir}/reactor.config.ts`], { registry: BUILTIN_HOOKS });
    assert.deepEqual(s.builtins["labels"], { hostRoutes: "label:reactor.trusted=yes" });
    s.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The settings a hook ends up with after defaults (what the daemon would run). */
function effective(name: string, settings: unknown): string {
  if (settings === false) return "off";
  const s = settings as Record<string, unknown>;
  if (name === "labels") {
    return `prefix=${s["prefix"] ?? "docker-events."} hostRoutes=${s["hostRoutes"] ?? "allow"}`;
  }
  if (name === "scripts") {
    return `dir=${s["dir"] ?? "/etc/reactor/scripts"} timeout=${s["timeoutMs"] ?? 60000}`;
  }
  return JSON.stringify(s);
}
