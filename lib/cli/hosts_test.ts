import assert from "node:assert/strict";
import { ConfigError } from "../errors.ts";
import { getLog } from "../log.ts";
import { formatHostsTable } from "../hosts/probe.ts";
import { type Globals, hostConfigs, hostConnectors } from "./globals.ts";

const g: Globals = {
  log: getLog(),
  logLevel: "info",
  logFormat: "text",
  stateDir: "/tmp/none",
  verbose: false,
};
const env = (vars: Record<string, string>) => ({ get: (k: string) => vars[k] });

Deno.test("hostConfigs() takes the config's docker section and names its file in errors", () => {
  const hosts = hostConfigs(
    g,
    { value: { hosts: { a: { host: "unix:///a.sock" }, b: { host: "unix:///b.sock" } } } },
    env({ HOME: "/root" }),
  );
  assert.deepEqual(hosts.map((h) => h.id), ["a", "b"]);
  assert.throws(
    () =>
      hostConfigs(g, { value: { hosts: { a: { type: "remote" } } }, file: "/etc/reactor.yaml" }),
    (e: unknown) =>
      e instanceof ConfigError &&
      /^\/etc\/reactor\.yaml: docker\.hosts\.a\.host: required/.test(e.message),
  );
});

Deno.test("hostConnectors() without config: default from -H, DOCKER_HOST; local stays disabled", () => {
  const viaEnv = hostConnectors(g, env({ HOME: "/root", DOCKER_HOST: "unix:///e.sock" }));
  assert.deepEqual(viaEnv.map((c) => [c.id, c.describe]), [["default", "unix:///e.sock"]]);
  const viaFlag = hostConnectors(
    { ...g, host: "ssh://me@box" },
    env({ HOME: "/root", DOCKER_HOST: "unix:///e.sock" }),
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
