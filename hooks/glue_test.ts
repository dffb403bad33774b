/**
 * The glue hook without Docker: its settings through the config loader (INI problems at
 * `file:line`, HAProxy `[params]` through the haproxy reader, the check rows), and the dispatch
 * hook with a recording `exec` (one event at a time, `none` after a listing, not per synthesized
 * start). The real daemon runs it in tests/glue/daemon_test.ts.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../lib/config/load.ts";
import { configTable } from "../lib/config/table.ts";
import type { HandlerContext, HookRuntime } from "../lib/engine/hook.ts";
import { Inventory } from "../lib/engine/inventory.ts";
import { Observer } from "../lib/engine/observer.ts";
import { ConfigError } from "../lib/errors.ts";
import type { Run } from "../lib/exec/run.ts";
import type { GlueHandlerSpec } from "../lib/glue/handlers.ts";
import type { Log } from "../lib/log.ts";
import type { ReactorEvent } from "../lib/reactor.d.ts";
import { glue, glueHook, type GlueHookSettings } from "./glue.ts";
import { haproxy } from "./haproxy.ts";

const SCRIPT_INI = `[handler]
class=DockerGlue.handlers.exec.ScriptHandler
events=start,die,none
triggers-none=1

[params]
script=probe.sh
`;

async function layout(inis: Record<string, string>) {
  const root = await Deno.makeTempDir({ prefix: "rx-glue-hook-" });
  await Deno.mkdir(`${root}/docker-glue.d`);
  await Deno.mkdir(`${root}/handler-scripts`);
  await Deno.writeTextFile(`${root}/handler-scripts/probe.sh`, "#!/bin/sh\n", { mode: 0o755 });
  await Deno.chmod(`${root}/handler-scripts/probe.sh`, 0o755);
  for (const [n, t] of Object.entries(inis)) {
    await Deno.writeTextFile(`${root}/docker-glue.d/${n}`, t, { mode: 0o644 });
  }
  return root;
}

function load(flags: Record<string, unknown>) {
  return loadConfig([], {
    registry: [haproxy, glue],
    flags,
    hosts: { env: {}, home: "/root" },
    isRoot: false,
  });
}

Deno.test("glue settings: --glue-dir loads the INIs; HAProxyHandler [params] become HAProxy settings; check lists each handler", async () => {
  const root = await layout({
    "a-probe.ini": SCRIPT_INI,
    "lb.ini":
      "[handler]\nclass=DockerGlue.handlers.lb.HAProxyHandler\nevents=die,start,none\n\n[params]\nconfig_file=/tmp/rx-none/haproxy.cfg\nwait=1s..2s\n",
  });
  try {
    const cfg = await load({ glueDir: [`${root}/docker-glue.d`] });
    const s = cfg.builtins["glue"] as GlueHookSettings;
    assert.deepEqual(s.dirs, [`${root}/docker-glue.d`]);
    assert.deepEqual(s.handlers.map((h) => `${h.name}:${h.kind}`), [
      "a-probe:script",
      "lb:haproxy",
    ]);
    assert.equal(s.balancers.length, 1);
    assert.equal(s.balancers[0]!.settings.configFile, "/tmp/rx-none/haproxy.cfg");
    assert.deepEqual(s.balancers[0]!.settings.wait, { minMs: 1000, maxMs: 2000 });
    assert.equal(cfg.builtins["haproxy"], undefined, "hooks.haproxy stays off");
    const table = configTable(cfg);
    assert.match(table, /^hook +glue +built-in .*dirs=.*docker-glue\.d handlers=2 \(2 enabled\)$/m);
    assert.match(
      table,
      /^glue +a-probe +\S+a-probe\.ini:2 +events=start,die,none +DockerGlue\.handlers\.exec\.ScriptHandler → script \S+probe\.sh \(enabled, triggers-none\)$/m,
    );
    assert.match(
      table,
      /^glue +lb +\S+lb\.ini:2 +events=die,start,none +DockerGlue\.handlers\.lb\.HAProxyHandler → HAProxy hook configFile=\/tmp\/rx-none\/haproxy\.cfg template=built-in .* wait=1s\.\.2s healthGated=true \(enabled\)$/m,
    );
    const hooks = glue.create(s, { stateDir: "/nonexistent", log: quietLog([]), insecure: false });
    assert.deepEqual(hooks.map((h) => h.name), ["glue", "haproxy:lb"]);
    cfg.close();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("glue settings: broken INIs and bad HAProxy [params] are file:line problems", async () => {
  const root = await layout({
    "bad.ini": "[handler]\nclass=myplugins.Demo\nevents=start\n",
    "lb.ini":
      "[handler]\nclass=DockerGlue.handlers.lb.HAProxyHandler\nevents=none\n\n[params]\nconfig_file=relative.cfg\ntemplate_dri=/x\n",
    "lb2.ini": "[handler]\nclass=DockerGlue.handlers.lb.HAProxyHandler\nevents=none\n",
    "lb3.ini": "[handler]\nclass=DockerGlue.handlers.lb.HAProxyHandler\nevents=none\n",
  });
  const d = `${root}/docker-glue.d`;
  try {
    const err = await load({ glueDir: [d] }).catch((e) => e);
    assert.ok(err instanceof ConfigError, String(err));
    assert.deepEqual(err.problems, [
      `${d}/bad.ini:2: class myplugins.Demo is a Python plugin, and reactor cannot run Python plugins — use one of DockerGlue.handlers.exec.ScriptHandler, DockerGlue.handlers.lb.HAProxyHandler, DockerGlue.handlers.publishers.distconfig.Publisher; for custom logic, write a handler in reactor.config.ts`,
      `${d}/lb.ini:6: config_file: "relative.cfg" is not an absolute path — write a path starting with /`,
      `${d}/lb.ini:7: template_dri: unknown setting (did you mean "template_dir"?) — [params] of an HAProxyHandler takes config_file, template_dir, template_file, reload, master_pid_file, stats_socket, network, published_ports, bind_address, wait, health_gated`,
      `${d}/lb3.ini:2: HAProxyHandler writes /etc/haproxy/haproxy.cfg, as ${d}/lb2.ini does — give each its own config_file, or keep one of them`,
    ]);
    const missing = await load({}).then(() => "loaded", (e) => e);
    assert.equal(missing, "loaded", "off without glue: or --glue-dir");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
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

function spec(name: string, events: string[], more: Partial<GlueHandlerSpec> = {}) {
  return {
    file: `/g/${name}.ini`,
    line: 2,
    name,
    class: "DockerGlue.handlers.exec.ScriptHandler",
    kind: "script",
    events: new Set(events.filter((e) => e !== "none")),
    none: events.includes("none"),
    enabled: true,
    triggersNone: false,
    params: {},
    paramLines: {},
    script: `/s/${name}.sh`,
    state: "enabled",
    ...more,
  } satisfies GlueHandlerSpec;
}

function event(action: string, id: string, synthetic = false): ReactorEvent {
  return {
    hostId: "h1",
    type: "container",
    action,
    rawAction: action,
    actor: { id, attributes: { name: `n-${id}` } },
    scope: "local",
    time: 1,
    timeNano: "1000000000",
    synthetic,
    raw: "",
  };
}

/** A recording exec: `script ini action id` per call; each call takes `ms`. */
function recorder(ms = 0) {
  const calls: string[] = [];
  let running = 0;
  let overlap = false;
  const exec: Run = async (argv) => {
    running++;
    if (running > 1) overlap = true;
    // argv: timeout --kill-after=2 <secs> <script> <ini> <action> <id>
    calls.push(argv.slice(3).map((a) => a.replace(/^\/[gs]\//, "")).join(" "));
    await new Promise((r) => setTimeout(r, ms));
    running--;
    return { argv, code: 0, stdout: "", stderr: "", durationMs: ms };
  };
  return { calls, exec, overlapped: () => overlap };
}

function ctx(exec: Run, ev: ReactorEvent): HandlerContext {
  return {
    event: ev,
    container: undefined,
    host: { id: "h1", name: "h1", docker: {} as never, rootless: false, local: true },
    log: quietLog([]),
    signal: new AbortController().signal,
    exec,
    movedOn: false,
  };
}

Deno.test("glueHook() runs one event at a time across containers, with Glue's none follow-up", async () => {
  const rec = recorder(20);
  const hook = glueHook({
    handlers: [spec("a", ["start"], { triggersNone: true }), spec("n", ["none"])],
    insecure: true,
  });
  assert.equal(hook.wants(event("start", "c1")), true);
  assert.equal(hook.wants(event("die", "c1")), false);
  await Promise.all([
    hook.handle(ctx(rec.exec, event("start", "c1"))),
    hook.handle(ctx(rec.exec, event("start", "c2"))),
  ]);
  assert.equal(rec.overlapped(), false);
  assert.deepEqual(rec.calls, [
    "a.sh a.ini start c1",
    "n.sh n.ini none ",
    "a.sh a.ini start c2",
    "n.sh n.ini none ",
  ]);
  // a start a listing synthesized: no follow-up (the none after the listing covers it)
  rec.calls.length = 0;
  await hook.handle(ctx(rec.exec, event("start", "c3", true)));
  assert.deepEqual(rec.calls, ["a.sh a.ini start c3"]);
  await hook.close!();
});

Deno.test("glueHook() throws one error naming the failed handlers; the others still run", async () => {
  const calls: string[] = [];
  const exec: Run = (argv) => {
    calls.push(argv[3]!);
    if (argv[3] === "/s/bad.sh") return Promise.reject(new Error("exit 3\nsecond line"));
    return Promise.resolve({ argv, code: 0, stdout: "", stderr: "", durationMs: 1 });
  };
  const hook = glueHook({ handlers: [spec("bad", ["die"]), spec("ok", ["die"])], insecure: true });
  await assert.rejects(
    hook.handle(ctx(exec, event("die", "c1"))),
    /^GlueHandlerError: Cannot run Docker Glue handler\(s\) for die: bad \(exit 3 \| second line\)$/,
  );
  assert.deepEqual(calls, ["/s/bad.sh", "/s/ok.sh"]);
});

Deno.test("glueHook() runs none after each listing of a host, and in once() for every listed host", async () => {
  const rec = recorder();
  const hook = glueHook({ handlers: [spec("n", ["none"])], insecure: true }, { exec: rec.exec });
  const inventory = new Inventory();
  inventory.addHost("h1");
  inventory.addHost("h2");
  const observer = new Observer();
  const runs: string[] = [];
  observer.subscribe((o) => o.kind === "hook" && runs.push(`${o.hook}/${o.rule}/${o.hostId}`));
  const ac = new AbortController();
  const rt: HookRuntime = {
    engine: { queueDepth: () => 0, hosts: () => [], stats: () => ({}) as never },
    inventory,
    observer,
    log: quietLog([]),
    signal: ac.signal,
  };
  try {
    hook.start!(rt);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(rec.calls, [], "nothing before a host was listed");
    inventory.resynced("h1", new Set());
    await waitFor(() => runs.length === 1);
    assert.deepEqual(rec.calls, ["n.sh n.ini none "]);
    assert.deepEqual(runs, ["glue/none/h1"]);
    inventory.upsert(
      {
        hostId: "h1",
        id: "c1",
        name: "c",
        running: true,
      } as never,
      "start",
    );
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(rec.calls.length, 1, "a start is no listing");
    inventory.resynced("h1", new Set(["c1"])); // a reconnect
    await waitFor(() => runs.length === 2);
    ac.abort();
    await hook.close!();

    rec.calls.length = 0;
    const fresh = glueHook({ handlers: [spec("n", ["none"])], insecure: true }, {
      exec: rec.exec,
    });
    await fresh.once!({ ...rt, signal: new AbortController().signal });
    assert.deepEqual(rec.calls, ["n.sh n.ini none "], "h1 only: h2 was never listed");
  } finally {
    ac.abort();
  }
});

async function waitFor(fn: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !fn(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(fn(), "timed out");
}
