import assert from "node:assert/strict";
import { runSimulate, type SimulateFlags } from "./simulate.ts";
import { ConfigError, UsageError } from "../errors.ts";
import { getLog } from "../log.ts";
import { HostRoutesStore } from "../net/host_routes_store.ts";

const SEED = new URL("../../examples/reactor.yaml", import.meta.url).pathname;
const LINE =
  '{"status":"start","id":"4d5e","from":"getsentry/sentry:24","Type":"container","Action":"start","Actor":{"ID":"4d5e","Attributes":{"image":"getsentry/sentry:24","name":"sentry_web"}},"scope":"local","time":1700000000,"timeNano":1700000000123456789}';
const INSPECT = JSON.stringify([{
  Id: "4d5e",
  Name: "/sentry_web",
  Config: { Image: "getsentry/sentry:24", Labels: {}, Hostname: "4d5e" },
  Image: "sha256:1",
  State: { Status: "running", Running: true, Pid: 123, ExitCode: 0 },
  NetworkSettings: {
    SandboxKey: "",
    Networks: { bridge: { IPAddress: "172.17.0.9", IPPrefixLen: 16, NetworkID: "n1" } },
  },
  HostConfig: { NetworkMode: "bridge" },
}]);

/** No engine answers. */
const offline = { connect: () => Promise.reject(new Error("engine down")) };

function flags(over: Partial<SimulateFlags> = {}): SimulateFlags {
  return { event: "-", config: [SEED], hostId: "default", hostName: "docker-002", ...over };
}

Deno.test("runSimulate() prints the matches and exact argv of the seed rules, executing nothing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/c.json`, INSPECT);
    const out = await runSimulate(flags({ container: `${dir}/c.json` }), {
      readStdin: () => Promise.resolve(LINE + "\n"),
    });
    assert.equal(
      out.text,
      `event: container start sentry_web (host default)
container: sentry_web 4d5e, running, pid 123, ip 172.17.0.9 (from ${dir}/c.json)
MATCH  rule     Fire notification on container lifecycle event
         $ notification-push --project Nasqueron --service Docker --type container.start --group ops --text 'Docker container sentry_web: start' --link docker-002
MATCH  rule     Propagate all events to Salt
         $ sudo salt-call event.send docker '${LINE}'
MATCH  rule     Update Sentry Relay configuration
         $ docker-paas-propagate-sentry-relay 172.17.0.9
3 of 3 match; nothing was executed (pass --execute to run)
`,
    );
    assert.equal(out.failures, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runSimulate() shows non-matching rules, TS handlers and empty template values", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/h.ts`,
      `export default { onDie: () => {}, onStart: () => {} };\n`,
    );
    await Deno.writeTextFile(
      `${dir}/e.json`,
      LINE.replaceAll('"start"', '"die"').replace("sentry_web", "other"),
    );
    const { text: out } = await runSimulate(
      flags({ event: `${dir}/e.json`, config: [SEED, `${dir}/h.ts`] }),
      offline,
    );
    assert.match(out, /^event: container die other \(host default\)\n/);
    assert.ok(out.includes("\n-      rule     Update Sentry Relay configuration\n"), out);
    assert.ok(
      out.includes(
        "\nMATCH  handler  onDie\n         # a TypeScript function: runs only with --execute\n-      handler  onStart\n",
      ),
      out,
    );
    assert.match(out, /\n3 of 5 match; nothing was executed/);

    // no --container and no engine: %%ip%% is empty and flagged
    await Deno.writeTextFile(`${dir}/s.json`, LINE);
    const out2 = (await runSimulate(flags({ event: `${dir}/s.json` }), offline)).text;
    assert.match(out2, /\ncontainer: unknown — the engine did not answer \(engine down\)/);
    assert.match(
      out2,
      /\$ docker-paas-propagate-sentry-relay ''\n\s+warning: %%ip%% is "" — no container details/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runSimulate() --execute runs the matching rules for real", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/r.yaml`,
      `events_reactor:\n  touch:\n    event: { action: start }\n    run: [touch, "${dir}/ran-%%name%%"]\n  never:\n    event: { action: die }\n    run: [touch, "${dir}/never"]\n`,
    );
    await Deno.writeTextFile(`${dir}/s.json`, LINE);
    const out = await runSimulate(
      flags({ event: `${dir}/s.json`, config: [`${dir}/r.yaml`], execute: true }),
      {
        connect: () =>
          Promise.resolve({
            id: "default",
            name: "docker-002",
            docker: undefined as never,
            rootless: false,
            local: true,
            close: () => {},
          }),
      },
    );
    assert.ok(out.text.endsWith("\nok      rule:touch\n"), out.text);
    assert.equal(out.failures, 0);
    assert.ok((await Deno.stat(`${dir}/ran-sentry_web`)).isFile);
    await assert.rejects(Deno.stat(`${dir}/never`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runSimulate() shows a rule's webhook (origin and body only); --execute delivers it", async () => {
  const dir = await Deno.makeTempDir();
  const got: { path: string; body: string }[] = [];
  const ac = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} },
    async (req) => {
      got.push({ path: new URL(req.url).pathname, body: await req.text() });
      return new Response("ok");
    },
  );
  const base = `http://127.0.0.1:${server.addr.port}`;
  try {
    await Deno.writeTextFile(
      `${dir}/r.yaml`,
      `events_reactor:\n  notify:\n    event: { action: start }\n    webhook:\n      url: "${base}/secret-path"\n      body: '{"text": "%%name%% on %%host%%"}'\n`,
    );
    await Deno.writeTextFile(`${dir}/s.json`, LINE);
    const dry =
      (await runSimulate(flags({ event: `${dir}/s.json`, config: [`${dir}/r.yaml`] }))).text;
    assert.ok(
      dry.includes(
        `MATCH  rule     notify\n         # webhook POST ${base} body: {"text": "sentry_web on docker-002"}\n`,
      ),
      dry,
    );
    assert.ok(!dry.includes("secret-path"), "the URL's path is not shown");
    assert.deepEqual(got, [], "nothing sent without --execute");
    const { text: out } = await runSimulate(
      flags({ event: `${dir}/s.json`, config: [`${dir}/r.yaml`], execute: true }),
      {
        connect: () =>
          Promise.resolve({
            id: "default",
            name: "docker-002",
            docker: undefined as never,
            rootless: false,
            local: true,
            close: () => {},
          }),
      },
    );
    assert.ok(out.endsWith("\nok      rule:notify\nok      webhook:notify\n"), out);
    assert.deepEqual(got, [{ path: "/secret-path", body: '{"text": "sentry_web on docker-002"}' }]);
  } finally {
    ac.abort();
    await server.finished;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runSimulate() names a file that is not an event", async () => {
  const err = await runSimulate(flags(), { ...offline, readStdin: () => Promise.resolve("{}") })
    .catch((e) => e);
  assert.ok(err instanceof ConfigError);
  assert.match(
    err.problems[0]!,
    /^-: not a Docker event: .*— pass Engine JSON as printed by `docker events --format '\{\{json \.\}\}'`$/,
  );
});

Deno.test("runSimulate() --execute reports failures, so the command exits like `reactor once`", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/r.yaml`,
      `events_reactor:\n  fails:\n    event: { action: start }\n    run: ["false"]\n  works:\n    event: { action: start }\n    run: ["true"]\n`,
    );
    const out = await runSimulate(
      flags({ config: [`${dir}/r.yaml`], execute: true }),
      {
        readStdin: () => Promise.resolve(LINE),
        connect: () =>
          Promise.resolve({
            id: "default",
            name: "docker-002",
            docker: undefined as never,
            rootless: false,
            local: true,
            close: () => {},
          }),
      },
    );
    assert.equal(out.failures, 1);
    assert.ok(
      out.text.endsWith(
        "\nFAILED  rule:fails: Command `false` exited with code 1\nok      rule:works\n",
      ),
      out.text,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runSimulate() reads --container - from stdin like --event -", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/s.json`, LINE);
    const out = await runSimulate(flags({ event: `${dir}/s.json`, container: "-" }), {
      readStdin: () => Promise.resolve(INSPECT),
    });
    assert.match(
      out.text,
      /\ncontainer: sentry_web 4d5e, running, pid 123, ip 172\.17\.0\.9 \(from stdin\)\n/,
    );
    assert.match(out.text, /\$ docker-paas-propagate-sentry-relay 172\.17\.0\.9\n/);
    const both = await runSimulate(flags({ container: "-" })).catch((e) => e);
    assert.ok(both instanceof UsageError);
    assert.match(both.message, /Cannot read both --event and --container from stdin/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runSimulate() prints the exact commands of the built-in hooks (labels, scripts)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const scripts = `${dir}/scripts`;
    await Deno.mkdir(scripts, { mode: 0o755 });
    await Deno.writeTextFile(`${scripts}/start.web`, "#!/bin/sh\n");
    await Deno.chmod(`${scripts}/start.web`, 0o755);
    await Deno.writeTextFile(`${dir}/empty.yaml`, "hooks: {}\n");
    const labels = {
      "docker-events.route": "add 10.50.0.0/24 dev eth0",
      "docker-events.address": "add 192.168.77.10/24 dev eth0",
      "docker-events.host-route": "add 10.99.0.0/24 via 172.17.0.9",
    };
    const event = (action: string) =>
      JSON.stringify({
        Type: "container",
        Action: action,
        Actor: { ID: "4d5e", Attributes: { name: "web", image: "busybox", ...labels } },
        scope: "local",
        time: 1700000000,
        timeNano: 1700000000123456789,
      });
    const inspect = JSON.parse(INSPECT);
    inspect[0].Name = "/web";
    inspect[0].Config.Labels = labels;
    inspect[0].NetworkSettings.SandboxKey = `${dir}/no-such-netns`;
    await Deno.writeTextFile(`${dir}/start.json`, event("start"));
    await Deno.writeTextFile(`${dir}/die.json`, event("die"));
    const state = `${dir}/state`;
    const builtins = { stateDir: state, log: getLog(), insecure: false };
    const common = { config: [`${dir}/empty.yaml`], scriptsDir: scripts };
    const start = await runSimulate(
      flags({ ...common, event: `${dir}/start.json`, container: "-" }),
      { builtins, readStdin: () => Promise.resolve(JSON.stringify(inspect)) },
    );
    assert.equal(
      start.text,
      `event: container start web (host default)
container: web 4d5e, running, pid 123, ip 172.17.0.9 (from stdin)
MATCH  hook     labels
         $ nsenter -n -t 123 -- ip address add 192.168.77.10/24 dev eth0   # in the container's netns
         $ nsenter -n -t 123 -- ip route replace 10.50.0.0/24 dev eth0   # in the container's netns
         $ ip route add 10.99.0.0/24 via 172.17.0.9   # on the host; removed when the container stops
MATCH  hook     scripts
         $ ${scripts}/start.web   # stdin: the event as JSON; killed after 1m
           env: REACTOR_ACTION=start REACTOR_HOST=default REACTOR_CONTAINER_ID=4d5e REACTOR_CONTAINER_NAME=web REACTOR_CONTAINER_PID=123 REACTOR_CONTAINER_IP=172.17.0.9
           cwd: ${scripts}
2 of 2 match; nothing was executed (pass --execute to run)
`,
    );
    // a stop deletes the host routes reactor recorded for the container
    await new HostRoutesStore(state).record(
      { hostId: "default", containerId: "4d5e", name: "web" },
      {
        words: ["add", "10.99.0.0/24", "via", "172.17.0.9"],
        del: ["del", "10.99.0.0/24", "via", "172.17.0.9"],
      },
    );
    const die = await runSimulate(
      flags({ ...common, event: `${dir}/die.json`, container: "-" }),
      { builtins, readStdin: () => Promise.resolve(JSON.stringify(inspect)) },
    );
    assert.ok(
      die.text.includes(
        "\nMATCH  hook     labels\n         $ ip route del 10.99.0.0/24 via 172.17.0.9   # on the host\n-      hook     scripts\n",
      ),
      die.text,
    );
    // the host-route policy is shown, not applied
    const denied = await runSimulate(
      flags({ ...common, hostRoutes: "deny", event: `${dir}/start.json`, container: "-" }),
      { builtins, readStdin: () => Promise.resolve(JSON.stringify(inspect)) },
    );
    assert.match(
      denied.text,
      /\n {9}warning: docker-events\.host-route: refused by the host-route policy \(--host-routes\)\n/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runSimulate() asks for one event when given several lines of them", async () => {
  const err = await runSimulate(flags(), { readStdin: () => Promise.resolve(`${LINE}\n${LINE}\n`) })
    .catch((e) => e);
  assert.ok(err instanceof ConfigError);
  assert.equal(
    err.problems[0],
    "-: holds 2 events, one per line — pass one (e.g. `… | tail -n 1`)",
  );
});
