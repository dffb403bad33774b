import assert from "node:assert/strict";
import { defaultScriptPaths, resolveGlueScript, SYSTEM_SCRIPT_DIR } from "./resolve.ts";

Deno.test("defaultScriptPaths() is /usr/libexec/docker-glue, then <glue dir>/../handler-scripts", () => {
  assert.deepEqual(defaultScriptPaths("/etc/docker-glue.d"), [
    SYSTEM_SCRIPT_DIR,
    "/etc/handler-scripts",
  ]);
  assert.deepEqual(defaultScriptPaths("/opt/glue/docker-glue.d/")[1], "/opt/glue/handler-scripts");
});

Deno.test("resolveGlueScript() takes the first executable match, in path order", async () => {
  const root = await Deno.makeTempDir({ prefix: "rx-glue-resolve-" });
  try {
    for (const d of ["a", "b", "c"]) await Deno.mkdir(`${root}/${d}`);
    // a: present but not executable (skipped, as Glue's os.access(X_OK)); b and c: executable
    await Deno.writeTextFile(`${root}/a/s.sh`, "#!/bin/sh\n", { mode: 0o644 });
    await Deno.writeTextFile(`${root}/b/s.sh`, "#!/bin/sh\n", { mode: 0o755 });
    await Deno.writeTextFile(`${root}/c/s.sh`, "#!/bin/sh\n", { mode: 0o755 });
    await Deno.mkdir(`${root}/a/dir.sh`);
    const paths = [`${root}/missing`, `${root}/a`, `${root}/b`, `${root}/c`];
    const r = await resolveGlueScript("s.sh", paths);
    assert.equal(r.path, `${root}/b/s.sh`);
    assert.deepEqual(r.tried, paths.map((p) => `${p}/s.sh`));
    assert.equal(
      (await resolveGlueScript("s.sh", [`${root}/c`, `${root}/b`])).path,
      `${root}/c/s.sh`,
    );
    // a directory is never a script
    assert.equal((await resolveGlueScript("dir.sh", paths)).path, undefined);
    // absolute: as written (but it must exist and be executable)
    assert.equal((await resolveGlueScript(`${root}/c/s.sh`, [])).path, `${root}/c/s.sh`);
    assert.equal((await resolveGlueScript(`${root}/a/s.sh`, [`${root}/b`])).path, undefined);
    // symlinks resolve to the real file
    await Deno.symlink(`${root}/c/s.sh`, `${root}/a/link.sh`);
    assert.equal((await resolveGlueScript("link.sh", paths)).path, `${root}/c/s.sh`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
