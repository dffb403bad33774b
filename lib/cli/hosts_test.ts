import assert from "node:assert/strict";
import { ConfigError } from "../errors.ts";
import { getLog } from "../log.ts";
import { formatHostsTable } from "../hosts/probe.ts";
import { type Globals, hostConnectors } from "./globals.ts";
import { loadCliConfig } from "./config.ts";

const g: Globals = {
  log: getLog(),
  logLevel: "info",
  logFormat: "text",
  stateDir: "/tmp/none",
  verbose: false,
};
async function load(hostFlag: string | undefined, env: Record<string, string>, docker?: string) {
  const dir = await Deno.makeTempDir();
  try {
    const config = docker ? [`${dir}/reactor.yaml`] : [];
    if (docker) await Deno.writeTextFile(config[0]!, docker);
    return await loadCliConfig({ host: hostFlag }, { config }, {
      cwd: dir,
      etcDir: `${dir}/etc`,
      env: "",
      hosts: { env, home: "/root" },
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("the hosts of a loaded config come from its docker section; errors name its file", async () => {
  const cfg = await load(
    undefined,
    { HOME: "/root" },
    `docker:\n  hosts:\n    a: { host: "unix:///a.sock" }\n    b: { host: "unix:///b.sock" }\n`,
  );
  assert.deepEqual(cfg.hosts.map((h) => h.id), ["a", "b"]);
  await assert.rejects(
    () => load(undefined, {}, `docker:\n  hosts:\n    a: { type: remote }\n`),
    (e: unknown) =>
      e instanceof ConfigError &&
      /^\/.*\/reactor\.yaml:3:8: docker\.hosts\.a\.host: required/.test(e.message),
  );
});

Deno.test("hostConnectors() without config: default from -H, DOCKER_HOST; local stays disabled", async () => {
  const viaEnv = hostConnectors(
    g,
    (await load(undefined, { DOCKER_HOST: "unix:///e.sock" })).hosts,
  );
  assert.deepEqual(viaEnv.map((c) => [c.id, c.describe]), [["default", "unix:///e.sock"]]);
  const viaFlag = hostConnectors(
    g,
    (await load("ssh://me@box", { DOCKER_HOST: "unix:///e.sock" })).hosts,
  );
  assert.deepEqual(viaFlag.map((c) => [c.id, c.describe, c.local]), [
    ["default", "ssh://me@box", false],
  ]);
});

Deno.test("formatHostsTable() aligns columns and lists errors under the table", () => {
  const text = formatHostsTable([
    {
      id: "default",
      type: "external",
      endpoint: "unix:///var/run/docker.sock",
      source: "built-in default",
      state: "up",
      apiVersion: "1.41",
      engineVersion: "20.10.24",
      lastEventAgeSeconds: 75,
    },
    {
      id: "edge",
      type: "remote",
      endpoint: "https://10.0.0.5:2376",
      source: "config",
      state: "down",
      error: "Cannot connect",
    },
  ]);
  assert.equal(
    text,
    [
      "ID       TYPE      ENDPOINT                     STATE  API   ENGINE    LAST EVENT",
      "default  external  unix:///var/run/docker.sock  up     1.41  20.10.24  75s ago",
      "edge     remote    https://10.0.0.5:2376        down   -     -         -",
      "edge: Cannot connect",
    ].join("\n"),
  );
});
