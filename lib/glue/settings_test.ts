import assert from "node:assert/strict";
import { mergeGlueSettings, parseGlueSettings } from "./settings.ts";

const at = (path: readonly (string | number)[]) => `reactor.yaml:${path.length}`;

Deno.test("parseGlueSettings() accepts dirs and scriptPaths", () => {
  assert.deepEqual(parseGlueSettings({ dirs: ["/etc/docker-glue.d"] }, at), {
    settings: { dirs: ["/etc/docker-glue.d"] },
    problems: [],
  });
  assert.deepEqual(
    parseGlueSettings({ dirs: ["/a"], scriptPaths: ["/s"] }, at).settings,
    { dirs: ["/a"], scriptPaths: ["/s"] },
  );
});

Deno.test("parseGlueSettings() reports a wrong shape, bad lists and unknown keys with a fix", () => {
  assert.match(
    parseGlueSettings(["/a"], at).problems[0]!,
    /^reactor\.yaml:1: glue: must be a mapping — /,
  );
  const r = parseGlueSettings({ dirs: "/a", scriptPath: [], scriptPaths: [""] }, at);
  assert.equal(r.settings, undefined);
  assert.deepEqual(r.problems, [
    "reactor.yaml:2: glue.scriptPath: unknown key — use dirs or scriptPaths",
    'reactor.yaml:2: glue.dirs: must be a list of paths — e.g. ["/etc/docker-glue.d"]',
    'reactor.yaml:2: glue.scriptPaths: must be a list of paths — e.g. ["/etc/docker-glue.d"]',
  ]);
});

Deno.test("mergeGlueSettings(): --glue-dir adds to the config dirs, --glue-script-path replaces", () => {
  assert.deepEqual(
    mergeGlueSettings({ dirs: ["/a", "/b"], scriptPaths: ["/s"] }, { glueDir: ["/b", "/c"] }),
    { dirs: ["/a", "/b", "/c"], scriptPaths: ["/s"] },
  );
  assert.deepEqual(
    mergeGlueSettings({ dirs: ["/a"], scriptPaths: ["/s"] }, { glueScriptPath: ["/t"] }),
    { dirs: ["/a"], scriptPaths: ["/t"] },
  );
  assert.deepEqual(mergeGlueSettings(undefined, {}), { dirs: [] });
});
