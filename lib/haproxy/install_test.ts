import assert from "node:assert/strict";
import { CommandError } from "../errors.ts";
import type { Run } from "../exec/run.ts";
import { readIfExists, sideFiles, validateConfig, writeInPlace } from "./install.ts";

Deno.test("writeInPlace() keeps the inode (single-file bind mounts) and truncates", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/haproxy.cfg`;
    await writeInPlace(path, "a long first version\n");
    const ino = (await Deno.stat(path)).ino;
    await writeInPlace(path, "short\n");
    assert.equal(await Deno.readTextFile(path), "short\n");
    assert.equal((await Deno.stat(path)).ino, ino);
    assert.equal(await readIfExists(`${dir}/nope`), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("validateConfig() runs haproxy -c on a candidate beside the config", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const configFile = `${dir}/haproxy.cfg`;
    const seen: string[][] = [];
    const ok: Run = (argv) => {
      seen.push([...argv]);
      return Promise.resolve({ argv, code: 0, stdout: "", stderr: "", durationMs: 1 });
    };
    assert.deepEqual(await validateConfig(ok, { configFile, text: "global\n" }), { ok: true });
    assert.deepEqual(seen, [["haproxy", "-c", "-f", sideFiles(configFile).candidate]]);
    assert.equal(await readIfExists(sideFiles(configFile).candidate), undefined, "removed");

    const bad: Run = (argv) =>
      Promise.reject(
        new CommandError({
          argv,
          code: 1,
          stderr: "[NOTICE]   (1) : haproxy version is 2.6\n" +
            `[ALERT]    (1) : config : parsing [${
              argv[3]
            }:3] : unknown keyword 'nope' in 'defaults' section\n` +
            "[ALERT]    (1) : config : Fatal errors found in configuration.\n",
          reason: "exit",
        }),
      );
    const r = await validateConfig(bad, { configFile, text: "defaults\n    nope\n" });
    assert.equal(r.ok, false);
    assert.match(
      (r as { detail: string }).detail,
      /^haproxy -c rejected it \(kept as .*haproxy\.cfg\.rejected\): config : parsing .* unknown keyword 'nope' in 'defaults' section \| config : Fatal errors found in configuration\.$/,
    );
    assert.equal(await Deno.readTextFile(sideFiles(configFile).rejected), "defaults\n    nope\n");
    assert.equal(await readIfExists(configFile), undefined, "the config itself is untouched");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
