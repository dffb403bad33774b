import assert from "node:assert/strict";
import { parseHaproxySettings, SETTINGS_DEFAULTS } from "./settings.ts";

Deno.test("parseHaproxySettings() fills defaults", () => {
  const r = parseHaproxySettings(undefined);
  assert.deepEqual(r.settings, {
    configFile: "/etc/haproxy/haproxy.cfg",
    reload: ["systemctl", "reload", "haproxy"],
    statsSocket: "/run/haproxy/admin.sock",
    publishedPorts: false,
    bindAddress: "*",
    wait: { minMs: 500, maxMs: 2000 },
    healthGated: true,
  });
  assert.equal(SETTINGS_DEFAULTS.wait, "500ms..2s");
});

Deno.test("parseHaproxySettings() reads a Glue INI [params] section (snake_case strings)", () => {
  const r = parseHaproxySettings({
    config_file: "/etc/haproxy/haproxy.cfg",
    template_dir: "/etc/docker-glue/templates",
    template_file: "haproxy.cfg.j2",
    reload: "systemctl reload haproxy.service",
    stats_socket: "/var/lib/haproxy/stats",
    network: "front_net",
    wait: "1s:10s",
    health_gated: "0",
    bind_address: "0.0.0.0",
  });
  assert.deepEqual(r.problems, undefined);
  assert.equal(r.settings!.templateDir, "/etc/docker-glue/templates");
  assert.equal(r.settings!.templateFile, "haproxy.cfg.j2");
  assert.deepEqual(r.settings!.reload, ["systemctl", "reload", "haproxy.service"]);
  assert.equal(r.settings!.network, "front_net");
  assert.deepEqual(r.settings!.wait, { minMs: 1000, maxMs: 10000 });
  assert.equal(r.settings!.healthGated, false);
  const json = parseHaproxySettings({ reload: '["/usr/local/bin/reload haproxy", "--now"]' });
  assert.deepEqual(json.settings!.reload, ["/usr/local/bin/reload haproxy", "--now"]);
});

Deno.test("parseHaproxySettings() reads reactor.yaml camelCase with typed values", () => {
  const render = () => "x";
  const r = parseHaproxySettings({
    masterPidFile: "/run/haproxy.pid",
    statsSocket: "/run/haproxy/admin.sock",
    publishedPorts: true,
    healthGated: false,
    wait: "250ms..1m",
    render,
  });
  assert.deepEqual(r.problems, undefined);
  assert.equal(r.settings!.masterPidFile, "/run/haproxy.pid");
  assert.equal(r.settings!.publishedPorts, true);
  assert.equal(r.settings!.render, render);
  assert.deepEqual(r.settings!.wait, { minMs: 250, maxMs: 60000 });
  assert.deepEqual(parseHaproxySettings({ wait: "2s" }).settings!.wait, {
    minMs: 2000,
    maxMs: 2000,
  });
});

Deno.test("parseHaproxySettings() lists every problem with its path, each ending with a fix", () => {
  const r = parseHaproxySettings({
    config_file: "etc/haproxy.cfg",
    configFile: "/x",
    template_dir: "/t",
    reload: ["systemctl", 3],
    stats_socket: "/run/a b.sock",
    network: "bad name",
    bind_address: "localhost",
    wait: "5s..1s",
    health_gated: "maybe",
    include_env: "1",
  });
  const got = r.problems!.map((p) => `${p.path.join(".")}: ${p.message}`);
  const expect = [
    /^include_env: unknown setting — use one of config_file, /,
    /^configFile: is the same setting as "config_file" — keep one of them$/,
    /^config_file: "etc\/haproxy.cfg" is not an absolute path — write a path starting with \/$/,
    /^template_dir: is set but template_file is not — set template_file/,
    /^reload\.1: expected a non-empty string — fix this argument$/,
    /^stats_socket: may not contain spaces/,
    /^network: "bad name" is not a Docker network name — fix the name$/,
    /^bind_address: "localhost" is not "\*" or an IPv4 address — fix the value$/,
    /^wait: max 1s is shorter than min 5s — swap them$/,
    /^health_gated: "maybe" is not a flag — use 1 or 0/,
  ];
  for (const re of expect) assert.ok(got.some((g) => re.test(g)), `${re}\n${got.join("\n")}`);
  assert.equal(got.length, expect.length, got.join("\n"));
  for (const p of r.problems!) assert.match(p.message, / — /);
});

Deno.test("parseHaproxySettings() refuses conflicting and malformed values", () => {
  const cases: [unknown, RegExp][] = [
    [{ masterPidFile: "/p", reload: ["x"] }, /and reload are both set/],
    [{ network: "n", publishedPorts: true }, /and published_ports are both set/],
    [{ templateFile: "rel.njk" }, /is relative but template_dir is not set/],
    [{ templateDir: "/t", templateFile: "../x.njk" }, /may not leave template_dir/],
    [{ templateFile: "/t/x.njk", render: () => "" }, /and template_file are both set/],
    [{ render: "not a function" }, /expected a function \(model\) => string/],
    [{ wait: "soon" }, /is not a duration — write e\.g\./],
    [{ wait: "1s..2s..3s" }, /is not "min\.\.max"/],
    [{ reload: [] }, /expected a non-empty list of arguments/],
    [{ reload: "[oops" }, /is not a JSON list/],
    [[1, 2], /expected a map of settings/],
  ];
  for (const [raw, re] of cases) {
    const r = parseHaproxySettings(raw);
    assert.ok(r.problems, JSON.stringify(raw));
    assert.ok(r.problems.some((p) => re.test(p.message)), `${re}: ${JSON.stringify(r.problems)}`);
  }
});
