import assert from "node:assert/strict";
import { resolveConfigPaths } from "./discover.ts";
import { ConfigError } from "../errors.ts";

function fs(files: string[]): (p: string) => boolean {
  return (p) => files.includes(p);
}

Deno.test("resolveConfigPaths() takes --config over $REACTOR_CONFIG and defaults", () => {
  const exists = fs(["/w/a.yaml", "/w/b.ts", "/e/x.yaml", "/w/reactor.yaml"]);
  assert.deepEqual(
    resolveConfigPaths({ flags: ["a.yaml", "/w/b.ts"], env: "/e/x.yaml", cwd: "/w", exists }),
    ["/w/a.yaml", "/w/b.ts"],
  );
  assert.deepEqual(resolveConfigPaths({ env: "/e/x.yaml", cwd: "/w", exists }), ["/e/x.yaml"]);
});

Deno.test("resolveConfigPaths() discovers ./ before /etc/reactor and loads both kinds there", () => {
  const exists = fs(["/w/reactor.yaml", "/w/reactor.config.ts", "/etc/r/reactor.yaml"]);
  assert.deepEqual(resolveConfigPaths({ cwd: "/w", etcDir: "/etc/r", exists }), [
    "/w/reactor.config.ts",
    "/w/reactor.yaml",
  ]);
  assert.deepEqual(
    resolveConfigPaths({ cwd: "/x", etcDir: "/etc/r", exists }),
    ["/etc/r/reactor.yaml"],
  );
  assert.deepEqual(resolveConfigPaths({ cwd: "/x", etcDir: "/none", exists }), []);
});

Deno.test("resolveConfigPaths() names a missing explicit file and a wrong extension", () => {
  const err = (() => {
    try {
      resolveConfigPaths({ flags: ["gone.yaml", "conf.json"], cwd: "/w", exists: fs([]) });
    } catch (e) {
      return e;
    }
  })();
  assert.ok(err instanceof ConfigError);
  assert.deepEqual(err.problems, [
    "gone.yaml: config file not found (from --config) — check the path, or run `reactor init`",
    "conf.json: unknown config file type (from --config) — name it *.yaml, *.yml or *.ts",
  ]);
});
