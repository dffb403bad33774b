/**
 * The HAProxy hook without HAProxy: `haproxy -c` and the reload command go to a recording
 * `exec`, the Runtime API socket does not exist (every change is an unverified reload). The
 * real-HAProxy behaviour through the daemon is tested in tests/haproxy/daemon_test.ts.
 */
import assert from "node:assert/strict";
import { Fields } from "../lib/config/fields.ts";
import { Problems } from "../lib/config/problems.ts";
import type { HookRuntime } from "../lib/engine/hook.ts";
import { Inventory } from "../lib/engine/inventory.ts";
import { type Observation, Observer } from "../lib/engine/observer.ts";
import type { Run } from "../lib/exec/run.ts";
import { container } from "../lib/haproxy/_fixtures.ts";
import type { HaproxySettings } from "../lib/haproxy/settings.ts";
import type { Log } from "../lib/log.ts";
import {
  describeHaproxy,
  HAPROXY_INI_KEYS,
  haproxyHook,
  readHaproxySettings,
  timeLimited,
} from "./haproxy.ts";

const CTX = { isRoot: true, insecure: false };

function read(value: Record<string, unknown>, style: "camel" | "ini" = "camel") {
  const p = new Problems(() => "reactor.yaml:3:5");
  const path = style === "camel" ? ["hooks", "haproxy"] : [];
  const s = readHaproxySettings(new Fields(p, path, value), CTX, {
    style,
    what: style === "camel" ? "hooks.haproxy" : "[params]",
  });
  return { settings: s, problems: p.list };
}

Deno.test("readHaproxySettings() takes camelCase in config files and reports at the key", () => {
  const ok = read({ configFile: "/tmp/h.cfg", wait: "50ms..1s", healthGated: false });
  assert.deepEqual(ok.problems, []);
  assert.equal(ok.settings?.configFile, "/tmp/h.cfg");
  assert.deepEqual(ok.settings?.wait, { minMs: 50, maxMs: 1000 });
  assert.equal(ok.settings?.healthGated, false);

  const bad = read({ config_file: "/x", wait: "5s..1s", statsSocket: "relative.sock" });
  assert.equal(bad.settings, undefined);
  assert.deepEqual(bad.problems, [
    'reactor.yaml:3:5: hooks.haproxy.config_file: unknown setting (did you mean "configFile"?) — hooks.haproxy takes configFile, templateDir, templateFile, render, reload, masterPidFile, statsSocket, network, publishedPorts, bindAddress, wait, healthGated',
    'reactor.yaml:3:5: hooks.haproxy.statsSocket: "relative.sock" is not an absolute path — write a path starting with /',
    "reactor.yaml:3:5: hooks.haproxy.wait: max 1s is shorter than min 5s — swap them",
  ]);
});

Deno.test("readHaproxySettings() takes a Glue INI's snake_case [params]", () => {
  assert.deepEqual(HAPROXY_INI_KEYS, [
    "config_file",
    "template_dir",
    "template_file",
    "reload",
    "master_pid_file",
    "stats_socket",
    "network",
    "published_ports",
    "bind_address",
    "wait",
    "health_gated",
  ]);
  const ok = read(
    { config_file: "/tmp/h.cfg", reload: "my-reload --now", health_gated: "0" },
    "ini",
  );
  assert.deepEqual(ok.problems, []);
  assert.deepEqual(ok.settings?.reload, ["my-reload", "--now"]);
  assert.equal(ok.settings?.healthGated, false);
  const bad = read({ configFile: "/x", render: "x" }, "ini");
  assert.equal(bad.problems.length, 2, bad.problems.join("\n"));
  assert.match(bad.problems[0]!, /configFile: unknown setting \(did you mean "config_file"\?\)/);
});

Deno.test("readHaproxySettings() takes a render function; timeLimited() bounds it", async () => {
  const { settings } = read({
    render: (m: { global: { statsSocket: string } }) => m.global.statsSocket,
  });
  const model = { global: { statsSocket: "/s" }, http: [], tcp: [], backends: [] };
  assert.equal(await settings!.render!(model), "/s");
  await assert.rejects(
    Promise.resolve(timeLimited(() => new Promise(() => {}), 20)(model)),
    /it did not return within 20ms/,
  );
  await assert.rejects(
    Promise.resolve(timeLimited(() => Promise.reject(new Error("boom")), 1000)(model)),
    /boom/,
  );
});

Deno.test("describeHaproxy() shows the effective settings in one line", () => {
  const { settings } = read({ masterPidFile: "/run/h.pid", wait: "1s" });
  assert.equal(
    describeHaproxy(settings!),
    "configFile=/etc/haproxy/haproxy.cfg template=built-in reload=SIGUSR2 to the pid in /run/h.pid statsSocket=/run/haproxy/admin.sock bindAddress=* wait=1s..1s healthGated=true",
  );
});

function quietLog(lines: string[]): Log {
  const log: Log = {
    debug: () => {},
    info: (m) => void lines.push(`info ${m}`),
    warn: (m) => void lines.push(`warn ${m}`),
    error: (m) => void lines.push(`error ${m}`),
    child: () => log,
  };
  return log;
}

async function waitFor<T>(fn: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

Deno.test("haproxyHook() renders only once every host was listed, then follows the inventory", async () => {
  const dir = await Deno.makeTempDir();
  const configFile = `${dir}/haproxy.cfg`;
  const calls: string[][] = [];
  const exec: Run = (argv) => {
    calls.push([...argv]);
    return Promise.resolve({ argv, code: 0, stdout: "", stderr: "", durationMs: 1 });
  };
  const settings: HaproxySettings = read({
    configFile,
    statsSocket: `${dir}/none.sock`,
    reload: ["my-reload"],
    wait: "0ms..50ms",
  }).settings!;
  const inventory = new Inventory();
  inventory.addHost("a");
  inventory.addHost("b");
  const observer = new Observer();
  const seen: Observation[] = [];
  observer.subscribe((o) => seen.push(o));
  const lines: string[] = [];
  const ac = new AbortController();
  const rt: HookRuntime = {
    engine: { queueDepth: () => 0, hosts: () => [], stats: () => ({}) as never },
    inventory,
    observer,
    log: quietLog(lines),
    signal: ac.signal,
  };
  const hook = haproxyHook(settings, { exec, rule: "lb" });
  try {
    hook.start!(rt);
    const web = container("web", "10.0.0.2", { glue_http_80_host: "a.io" }, { hostId: "a" });
    inventory.upsert(web, "start");
    inventory.resynced("a", new Set([web.id]));
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(calls, [], "host b was never listed: nothing rendered");

    inventory.resynced("b", new Set());
    await waitFor(() => calls.some((c) => c[0] === "my-reload"), "the first reload");
    await hook.balancer!.idle();
    assert.match(await Deno.readTextFile(configFile), /server web_\w+ 10\.0\.0\.2:80 weight 100 /);
    const run = await waitFor(
      () => seen.find((o) => o.kind === "hook"),
      "an observation",
    );
    assert.equal(run.kind === "hook" && `${run.hook}/${run.rule}/${run.outcome}`, "haproxy/lb/ok");

    // health gating: an unhealthy container is rendered disabled
    inventory.upsert({ ...web, health: "healthy" }, "update");
    await new Promise((r) => setTimeout(r, 20));
    await hook.balancer!.idle();
    inventory.health("a", web.id, "unhealthy");
    await new Promise((r) => setTimeout(r, 20));
    await hook.balancer!.idle();
    assert.match(await Deno.readTextFile(configFile), /server web_\w+ 10\.0\.0\.2:80 .* disabled/);

    // a stopped container leaves
    inventory.stopped("a", web.id);
    await new Promise((r) => setTimeout(r, 20));
    await hook.balancer!.idle();
    assert.doesNotMatch(await Deno.readTextFile(configFile), /server web_/);
    assert.deepEqual(lines.filter((l) => l.startsWith("error")), []);
  } finally {
    ac.abort();
    await hook.close!();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("hooks.haproxy.render of a reactor.config.ts renders in the config's Worker", async () => {
  const { loadConfig } = await import("../lib/config/load.ts");
  const { haproxy } = await import("./haproxy.ts");
  const { rendererFor } = await import("../lib/haproxy/balancer.ts");
  const { renderConfig } = await import("../lib/haproxy/render.ts");
  const dir = await Deno.makeTempDir();
  const file = `${dir}/reactor.config.ts`;
  await Deno.writeTextFile(
    file,
    `export default { hooks: { haproxy: { configFile: "${dir}/h.cfg", render: (m) => ` +
      "`# ${m.backends.length} backends, socket ${m.global.statsSocket}`" + ` } } };\n`,
  );
  const cfg = await loadConfig([file], {
    registry: [haproxy],
    isRoot: false,
    hosts: { env: {}, home: "/root" },
  });
  try {
    const s = cfg.builtins["haproxy"] as HaproxySettings;
    const model = { global: { statsSocket: "/s.sock" }, http: [], tcp: [], backends: [] };
    assert.equal(
      await renderConfig(rendererFor(s), model),
      "# 0 backends, socket /s.sock\n",
    );
    assert.match(describeHaproxy(s), /template=render function/);
  } finally {
    cfg.close();
    await Deno.remove(dir, { recursive: true });
  }
});
