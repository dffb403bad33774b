import assert from "node:assert/strict";
import { runSimulate, type SimulateFlags } from "./simulate.ts";
import { ConfigError } from "../errors.ts";

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
      out,
      `event: container start sentry_web (host default)
MATCH  rule     Fire notification on container lifecycle event
         argv: ${
        JSON.stringify([
          "notification-push",
          "--project",
          "Nasqueron",
          "--service",
          "Docker",
          "--type",
          "container.start",
          "--group",
          "ops",
          "--text",
          "Docker container sentry_web: start",
          "--link",
          "docker-002",
        ])
      }
MATCH  rule     Propagate all events to Salt
         argv: ${JSON.stringify(["sudo", "salt-call", "event.send", "docker", LINE])}
MATCH  rule     Update Sentry Relay configuration
         argv: ["docker-paas-propagate-sentry-relay","172.17.0.9"]
3 of 3 match; nothing was executed (pass --execute to run)
`,
    );
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
    const out = await runSimulate(flags({ event: `${dir}/e.json`, config: [SEED, `${dir}/h.ts`] }));
    assert.match(out, /^event: container die other \(host default\)\n/);
    assert.ok(out.includes("\n-      rule     Update Sentry Relay configuration\n"), out);
    assert.ok(
      out.includes("\nMATCH  handler  onDie  (runs with --execute)\n-      handler  onStart\n"),
      out,
    );
    assert.match(out, /\n3 of 5 match; nothing was executed/);

    // no --container: %%ip%% is empty and flagged
    await Deno.writeTextFile(`${dir}/s.json`, LINE);
    const out2 = await runSimulate(flags({ event: `${dir}/s.json` }));
    assert.match(
      out2,
      /argv: \["docker-paas-propagate-sentry-relay",""\]\n\s+warning: empty value for %%ip%%\n/,
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
    assert.ok(out.endsWith("\nok      rule:touch\n"), out);
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
    const dry = await runSimulate(flags({ event: `${dir}/s.json`, config: [`${dir}/r.yaml`] }));
    assert.ok(
      dry.includes(
        `MATCH  rule     notify\n         webhook: POST ${base}\n         body: {"text": "sentry_web on docker-002"}\n`,
      ),
      dry,
    );
    assert.ok(!dry.includes("secret-path"), "the URL's path is not shown");
    assert.deepEqual(got, [], "nothing sent without --execute");
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
    assert.ok(out.endsWith("\nok      rule:notify\nok      webhook:notify\n"), out);
    assert.deepEqual(got, [{ path: "/secret-path", body: '{"text": "sentry_web on docker-002"}' }]);
  } finally {
    ac.abort();
    await server.finished;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runSimulate() names a file that is not an event", async () => {
  const err = await runSimulate(flags(), { readStdin: () => Promise.resolve("{}") }).catch((e) =>
    e
  );
  assert.ok(err instanceof ConfigError);
  assert.match(
    err.problems[0]!,
    /^-: not a Docker event: .*— pass Engine JSON as printed by `docker events --format '\{\{json \.\}\}'`$/,
  );
});
