import assert from "node:assert/strict";
import { configHooks, handlerHook, ruleBudgetMs, ruleHook, ruleReadsContainer } from "./hooks.ts";
import { loadYamlText } from "./yaml.ts";
import { validateTs as validateTsPart } from "./validate.ts";
import { Problems } from "./problems.ts";
import type { HandlerContext } from "../engine/hook.ts";
import type { ContainerInfo, ReactorEvent } from "../reactor.d.ts";
import type { Run, RunOptions } from "../exec/run.ts";
import { CommandError } from "../errors.ts";
import { getLog } from "../log.ts";
import type { DockerClient } from "../docker/client.ts";
import type { Context } from "../reactor.d.ts";
import type { BuiltinHook } from "./builtin.ts";
import { WebhookDispatcher } from "../webhook/queue.ts";

function validateTs(value: unknown, file: string) {
  const p = new Problems(() => file);
  const part = validateTsPart(value, p, file, []);
  assert.deepEqual(p.list, []);
  return { part };
}

async function rules(yaml: string) {
  const r = await loadYamlText(yaml, "t.yaml");
  assert.deepEqual(r.problems, []);
  return r.part.rules;
}

function event(over: Partial<ReactorEvent> = {}): ReactorEvent {
  return {
    hostId: "default",
    type: "container",
    action: "start",
    rawAction: "start",
    actor: { id: "c1", attributes: { name: "web", image: "busybox" } },
    scope: "local",
    time: 1,
    timeNano: "1000000000",
    synthetic: false,
    raw: "",
    ...over,
  };
}

function recorder(
  fail = 0,
): { exec: Run; calls: { argv: readonly string[]; opts?: RunOptions }[] } {
  const calls: { argv: readonly string[]; opts?: RunOptions }[] = [];
  let failures = fail;
  const exec: Run = (argv, opts) => {
    calls.push({ argv, opts });
    if (failures-- > 0) {
      return Promise.reject(new CommandError({ argv, code: 1, stderr: "flaky", reason: "exit" }));
    }
    return Promise.resolve({ argv, code: 0, stdout: "", stderr: "", durationMs: 1 });
  };
  return { exec, calls };
}

function ctx(exec: Run, ev = event(), container?: ContainerInfo): HandlerContext {
  return {
    event: ev,
    container,
    host: {
      id: ev.hostId,
      name: "engine-1",
      docker: {} as DockerClient,
      rootless: false,
      local: true,
    },
    movedOn: false,
    log: getLog(),
    signal: new AbortController().signal,
    exec,
  };
}

Deno.test("ruleHook() runs the rendered argv with env and cwd, no shell", async () => {
  const [rule] = await rules(
    `events_reactor:\n  r:\n    event: { action: start }\n    run: [notify, "%%name%% started", "%%host%%"]\n    env: { WHO: "%%name%%" }\n    cwd: /tmp\n`,
  );
  const hook = ruleHook(rule!);
  assert.equal(hook.name, "rule:r");
  assert.equal(hook.wants(event({ action: "die", rawAction: "die" })), false);
  const { exec, calls } = recorder();
  await hook.handle(ctx(exec));
  assert.deepEqual(calls.map((c) => [c.argv, c.opts?.env, c.opts?.cwd]), [
    [["notify", "web started", "engine-1"], { WHO: "web" }, "/tmp"],
  ]);
});

Deno.test("ruleHook() retries with doubling backoff, then gives up with the last error", async () => {
  const [rule] = await rules(
    `events_reactor:\n  r:\n    run: [x]\n    retries: 2\n    backoff: 10ms\n    timeout: 1s\n`,
  );
  assert.equal(ruleBudgetMs(rule!), 3 * 1000 + 10 + 20 + 1000);
  const ok = recorder(2);
  await ruleHook(rule!).handle(ctx(ok.exec));
  assert.equal(ok.calls.length, 3);
  assert.equal(ok.calls[0]!.opts?.timeoutMs, 1000);
  const bad = recorder(5);
  await assert.rejects(ruleHook(rule!).handle(ctx(bad.exec)), CommandError);
  assert.equal(bad.calls.length, 3);
});

Deno.test("ruleHook() debounce skips repeats for the same container only", async () => {
  const [rule] = await rules(`events_reactor:\n  r:\n    run: [x]\n    debounce: 1h\n`);
  const hook = ruleHook(rule!);
  const { exec, calls } = recorder();
  await hook.handle(ctx(exec));
  await hook.handle(ctx(exec));
  await hook.handle(ctx(exec, event({ actor: { id: "c2", attributes: {} } })));
  assert.equal(calls.length, 2);
});

Deno.test("ruleHook() and handlerHook() honour hosts:", async () => {
  const [rule] = await rules(`events_reactor:\n  r:\n    run: [x]\n    hosts: [edge]\n`);
  assert.equal(ruleHook(rule!).wants(event()), false);
  assert.equal(ruleHook(rule!).wants(event({ hostId: "edge" })), true);
  const v = validateTs({ onStart: { run: () => {}, hosts: ["edge"] } }, "c.ts");
  const h = handlerHook(v.part.handlers[0]!);
  assert.equal(h.wants(event()), false);
  assert.equal(h.wants(event({ hostId: "edge" })), true);
});

Deno.test("handlerHook() gives ip/nsenter/exec that run argv through nsenter", async () => {
  let seen: Context | undefined;
  const v = validateTs({
    onStart: async (c: ContainerInfo, x: Context) => {
      seen = x;
      await x.ip.route.add("10.77.0.0/16", { dev: "eth0", netns: c, metric: 5 });
      await x.ip.route.add("10.78.0.0/16", { via: "10.0.0.1" });
      await x.nsenter(c, ["cat", "/etc/hostname"], { namespaces: ["net", "uts"] });
    },
  }, "c.ts");
  const { exec, calls } = recorder();
  const pid = Deno.pid; // a live process: its /proc/<pid>/ns/net exists
  const c = { name: "web", pid, running: true, sandboxKey: "" } as ContainerInfo;
  const context = ctx(exec, event(), c);
  await handlerHook(v.part.handlers[0]!).handle(context);
  assert.deepEqual(calls.map((x) => x.argv), [
    [
      "nsenter",
      "-n",
      "-t",
      `${pid}`,
      "--",
      "ip",
      "route",
      "add",
      "10.77.0.0/16",
      "dev",
      "eth0",
      "metric",
      "5",
    ],
    ["ip", "route", "add", "10.78.0.0/16", "via", "10.0.0.1"],
    ["nsenter", "-t", `${pid}`, "-n", "-u", "--", "cat", "/etc/hostname"],
  ]);
  assert.equal(calls[0]!.opts?.signal, context.signal, "exec defaults to the handler's signal");
  assert.equal(seen?.host.name, "engine-1");
  assert.equal(seen?.event, context.event);
});

Deno.test("handlerHook() gives lifecycle handlers a container built from the event when none was inspected", async () => {
  let got: ContainerInfo | undefined;
  const v = validateTs({ onDestroy: (c: ContainerInfo) => void (got = c) }, "c.ts");
  const h = handlerHook(v.part.handlers[0]!);
  const ev = event({
    action: "destroy",
    rawAction: "destroy",
    actor: { id: "c9", attributes: { name: "gone", image: "busybox", role: "db" } },
  });
  assert.equal(h.wants(ev), true);
  await h.handle(ctx(recorder().exec, ev));
  assert.deepEqual([got?.id, got?.name, got?.image, got?.labels, got?.running], [
    "c9",
    "gone",
    "busybox",
    { role: "db" },
    false,
  ]);
});

Deno.test("handlerHook() nsenter refuses a stopped container and a remote host with a clear message", async () => {
  const v = validateTs({
    onStart: (c: ContainerInfo, x: Context) => x.nsenter(c, ["true"]).then(() => {}),
  }, "c.ts");
  const h = handlerHook(v.part.handlers[0]!);
  await assert.rejects(
    h.handle(
      ctx(recorder().exec, event(), { name: "web", pid: 0, running: false } as ContainerInfo),
    ),
    /Cannot enter the namespaces of container "web": it is not running/,
  );
  const remote = {
    ...ctx(recorder().exec, event(), { name: "web", pid: 7, running: true } as ContainerInfo),
  };
  await assert.rejects(
    h.handle({ ...remote, host: { ...remote.host, local: false } }),
    /Cannot enter a container's namespaces on host "default": its engine is remote/,
  );
});

Deno.test("configHooks() orders built-ins, rules, then handlers", async () => {
  const part = await rules(`events_reactor:\n  r:\n    run: [x]\n`);
  const ts = validateTs({ onStart: () => {} }, "c.ts").part.handlers;
  const fake = (name: string): BuiltinHook => ({
    name,
    defaultOn: true,
    settings: () => ({}),
    describe: () => "",
    create: (
      s,
    ) => [{ name: `${name}:${JSON.stringify(s)}`, wants: () => true, handle: async () => {} }],
  });
  const hooks = configHooks(
    {
      files: [],
      rules: part,
      handlers: ts,
      builtins: { labels: {}, scripts: false },
      hooks: [
        { hook: fake("labels"), settings: {}, source: "built-in" },
        { hook: fake("scripts"), settings: false, source: "built-in" },
      ],
      hosts: [],
    },
    { stateDir: "/s", log: getLog(), insecure: false },
  );
  assert.deepEqual(hooks.map((h) => h.name), ["labels:{}", "rule:r", "ts:onStart"]);
});

Deno.test("YAML rules may share settings through x- keys, anchors and merge keys", async () => {
  const [a, b] = await rules(
    `x-defaults: &defaults\n  timeout: 5s\n  retries: 2\nevents_reactor:\n  a:\n    <<: *defaults\n    run: [x]\n  b:\n    <<: *defaults\n    retries: 0\n    run: [y]\n`,
  );
  assert.deepEqual([a?.timeoutMs, a?.retries, b?.timeoutMs, b?.retries], [5000, 2, 5000, 0]);
});

/** A local endpoint that records request bodies. */
function bodies() {
  const got: { path: string; body: string }[] = [];
  const ac = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} },
    async (req) => {
      got.push({ path: new URL(req.url).pathname, body: await req.text() });
      return new Response("ok");
    },
  );
  return {
    got,
    url: `http://127.0.0.1:${server.addr.port}`,
    close: async () => {
      ac.abort();
      await server.finished;
    },
  };
}

Deno.test("a rule with webhook: and no run: sends the rendered body; with run: it does both", async () => {
  const srv = bodies();
  const [only, both] = await rules(
    `events_reactor:\n  only:\n    webhook: { url: "${srv.url}/only", body: '{"n": "%%name%%", "h": "%%host%%"}' }\n` +
      `  both:\n    run: [notify, "%%name%%"]\n    webhook: { url: "${srv.url}/both" }\n`,
  );
  assert.equal(only!.run.length, 0);
  const webhooks = new WebhookDispatcher({ log: getLog() });
  const hooks = configHooks(
    { hooks: [], rules: [only!, both!], handlers: [], files: [], builtins: {}, hosts: [] },
    { stateDir: "/nonexistent", log: getLog(), insecure: false, webhooks },
  );
  const rec = recorder();
  try {
    for (const h of hooks) await h.handle(ctx(rec.exec));
    assert.deepEqual(rec.calls.map((c) => c.argv), [["notify", "web"]]);
    await webhooks.idle();
  } finally {
    await webhooks.close();
    await srv.close();
  }
  const byPath = Object.fromEntries(srv.got.map((g) => [g.path, g.body]));
  assert.deepEqual(JSON.parse(byPath["/only"]!), { n: "web", h: "engine-1" });
  assert.equal(JSON.parse(byPath["/both"]!).Actor.ID, "c1");
});

Deno.test("a TS handler may send a webhook (with or without a function)", async () => {
  const srv = bodies();
  const { part } = validateTs({
    on: [{ match: { action: "start" }, webhook: { url: `${srv.url}/on`, body: "%%name%%!" } }],
  }, "c.ts");
  assert.equal(part.handlers.length, 1);
  assert.equal(part.handlers[0]!.run, undefined);
  const webhooks = new WebhookDispatcher({ log: getLog() });
  const hooks = configHooks(
    { hooks: [], rules: [], handlers: part.handlers, files: [], builtins: {}, hosts: [] },
    { stateDir: "/nonexistent", log: getLog(), insecure: false, webhooks },
  );
  try {
    await hooks[0]!.handle(ctx(recorder().exec));
    await webhooks.idle();
  } finally {
    await webhooks.close();
    await srv.close();
  }
  assert.deepEqual(srv.got, [{ path: "/on", body: "web!" }]);
});

Deno.test("configHooks() without the daemon's dispatcher: the webhook hooks own one and close it", async () => {
  const [rule] = await rules(
    `events_reactor:\n  r:\n    webhook: { url: "http://127.0.0.1:9/x" }\n`,
  );
  const hooks = configHooks(
    { hooks: [], rules: [rule!], handlers: [], files: [], builtins: {}, hosts: [] },
    { stateDir: "/nonexistent", log: getLog(), insecure: false },
  );
  await hooks[0]!.handle(ctx(recorder().exec));
  // the queued delivery is dropped and no worker or timer leaks (the test sanitizers check)
  await hooks[0]!.close!();
  await assert.rejects(ruleHook(rule!).handle(ctx(recorder().exec)), /no dispatcher/);
});

Deno.test("a TS on entry with neither run nor webhook is a problem at its field", () => {
  const p = new Problems(() => "c.ts");
  validateTsPart({ on: [{ match: { action: "start" } }] }, p, "c.ts", []);
  assert.deepEqual(p.list, [
    "c.ts: on[0].run: expected a function (container, ctx) => …, got nothing — or give webhook: { url: … }",
  ]);
});

Deno.test("ruleHook() logs the program's stdout at info and stderr at warn, like a script", async () => {
  const [rule] = await rules(
    `events_reactor:\n  talk:\n    run: ["sh", "-c", "echo said-out; echo said-err >&2"]\n`,
  );
  const { exec } = await import("../exec/run.ts");
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const log = {
    debug: (message: string, fields?: Record<string, unknown>) =>
      lines.push({ level: "debug", message, fields }),
    info: (message: string, fields?: Record<string, unknown>) =>
      lines.push({ level: "info", message, fields }),
    warn: (message: string, fields?: Record<string, unknown>) =>
      lines.push({ level: "warn", message, fields }),
    error: (message: string, fields?: Record<string, unknown>) =>
      lines.push({ level: "error", message, fields }),
    child: () => log,
  };
  await ruleHook(rule!).handle({ ...ctx(exec), log });
  assert.deepEqual(
    lines.filter((l) => l.message.startsWith("said-")).map((l) => [l.level, l.message]),
    [["info", "said-out"], ["warn", "said-err"]],
  );
  const ran = lines.find((l) => l.message === "Rule ran")!;
  assert.equal(ran.level, "info");
  assert.equal(ran.fields?.["cmd"], "sh -c 'echo said-out; echo said-err >&2'");
});

Deno.test("ruleReadsContainer(): only %%ip%%, a webhook, or container fields of other events need an inspect", async () => {
  const [byEvent, byIp, anyType, withEnv, hook] = await rules(`events_reactor:
  byEvent:
    event: { type: container, action: start }
    run: [notify, "%%name%%", "%%image%%", "%%label.team%%", "%%id%%", "%%action%%"]
  byIp:
    event: { type: container, action: start }
    run: [notify, "%%ip%%"]
  anyType:
    event: { action: connect }
    run: [notify, "%%name%%"]
  withEnv:
    event: { type: container }
    run: [notify]
    env: { ADDR: "%%ip%%" }
  hook:
    event: { type: container }
    webhook: { url: "http://127.0.0.1:9/x" }
`);
  assert.equal(ruleReadsContainer(byEvent!), false, "the event's attributes carry these");
  assert.equal(ruleReadsContainer(byIp!), true);
  assert.equal(ruleReadsContainer(anyType!), true, "a network event's name is the network's");
  assert.equal(ruleReadsContainer(withEnv!), true);
  assert.equal(ruleReadsContainer(hook!), true);
  assert.equal(ruleHook(byEvent!).needsContainer, false);
  assert.equal(ruleHook(byIp!).needsContainer, true);
});
