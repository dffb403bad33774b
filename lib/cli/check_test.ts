import assert from "node:assert/strict";
import { runCheck } from "./check.ts";
import { ConfigError } from "../errors.ts";

const SEED = new URL("../../examples/reactor.yaml", import.meta.url).pathname;
const NO_ENV = { hosts: { env: {} } };

Deno.test("runCheck() prints the table of hooks, rules and handlers", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/d.yaml`,
      `docker:\n  hosts:\n    edge: { type: external, host: "unix:///run/edge.sock" }\n`,
    );
    await Deno.writeTextFile(
      `${dir}/h.ts`,
      `export default { hooks: { scripts: false }, onStart: { run: () => {}, timeout: "5s", hosts: ["edge"] } };\n`,
    );
    const out = await runCheck({ config: [SEED, `${dir}/d.yaml`, `${dir}/h.ts`] }, NO_ENV);
    const lines = out.trimEnd().split("\n");
    assert.equal(lines[0], `config: ${SEED}, ${dir}/d.yaml, ${dir}/h.ts`);
    assert.equal(lines[1], `docker: section from ${dir}/d.yaml`);
    assert.equal(lines.at(-1), "3 rule(s), 1 handler(s), 1 built-in hook(s) on");
    assert.deepEqual(lines.slice(2, -1).map((l) => l.split(/ {2,}/)), [
      ["KIND", "NAME", "SOURCE", "MATCH", "ACTION"],
      ["host", "edge", "config", "external", "unix:///run/edge.sock"],
      ["hook", "labels", "built-in", "(hook decides)", "on (defaults)"],
      ["hook", "scripts", "built-in", "(hook decides)", "off"],
      [
        "rule",
        "Fire notification on container lifecycle event",
        `${SEED}:4:3`,
        "type=container",
        '["notification-push","--project","Nasqueron","--service","Docker","--type","container.%%action%%","--group","ops","--text","Docker container %%actor.name%%: %%action%%","--link","%%host%%"]',
      ],
      [
        "rule",
        "Propagate all events to Salt",
        `${SEED}:21:3`,
        "*",
        '["sudo","salt-call","event.send","docker","%%payload%%"]',
      ],
      [
        "rule",
        "Update Sentry Relay configuration",
        `${SEED}:23:3`,
        "type=container action=start actor.name=sentry_web",
        '["docker-paas-propagate-sentry-relay","%%ip%%"]',
      ],
      [
        "handler",
        "onStart",
        `${dir}/h.ts: onStart`,
        "type=container action=start hosts=edge",
        "TypeScript function (timeout=5s)",
      ],
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runCheck() with no config file describes the embedded default", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = await runCheck({}, { cwd: dir, env: "", etcDir: `${dir}/etc` });
    assert.match(out, /^config: embedded default \(no config file found\)\n/);
    assert.match(out, /\n0 rule\(s\), 0 handler\(s\), 2 built-in hook\(s\) on\n$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runCheck() fails with every problem of every file, one line each", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/a.yaml`,
      "events_reactor:\n  r:\n    run: [x, 1]\n    retries: many\n",
    );
    await Deno.writeTextFile(`${dir}/b.ts`, "export default { onStrat() {} };\n");
    const err = await runCheck({ config: [`${dir}/a.yaml`, `${dir}/b.ts`] }).catch((e) => e);
    assert.ok(err instanceof ConfigError);
    assert.equal(err.exitCode, 2);
    assert.deepEqual(err.message.split("\n"), [
      `${dir}/a.yaml:3:14: events_reactor.r.run[1]: an argv element must be a string, got number 1 — quote it: "1"`,
      `${dir}/a.yaml:4:14: events_reactor.r.retries: expected a whole number from 0 to 100, got string "many" — e.g. retries: 3`,
      `${dir}/b.ts: onStrat: unknown key (did you mean "onStart"?) — the config takes hooks, onCreate, onStart, onStop, onDie, onDestroy, onHealthy, onUnhealthy, onEvent, on, hosts, docker, glue, metrics`,
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runCheck() checks the docker: hosts (with YAML positions) and the hosts: ids", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/a.yaml`,
      `docker:\n  hosts:\n    edge: { type: externa, host: "unix:///run/edge.sock" }\n`,
    );
    const bad = await runCheck({ config: [`${dir}/a.yaml`] }, NO_ENV).catch((e) => e);
    assert.ok(bad instanceof ConfigError);
    assert.deepEqual(bad.problems, [
      `${dir}/a.yaml:3:19: docker.hosts.edge.type: "externa" is not a host type — use external, managed or remote`,
    ]);
    await Deno.writeTextFile(
      `${dir}/a.yaml`,
      `events_reactor:\n  r:\n    run: [/bin/true]\n    hosts: [edge]\n`,
    );
    await Deno.writeTextFile(
      `${dir}/b.ts`,
      `export default { on: [{ hosts: ["edge"], run() {} }] };\n`,
    );
    const ids = await runCheck({ config: [`${dir}/a.yaml`, `${dir}/b.ts`] }, NO_ENV)
      .catch((e) => e);
    assert.ok(ids instanceof ConfigError);
    assert.deepEqual(ids.problems, [
      `${dir}/a.yaml:2:3: events_reactor.r.hosts: unknown host id "edge" — configured hosts: default, local`,
      `${dir}/b.ts: on[0].hosts: unknown host id "edge" — configured hosts: default, local`,
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
