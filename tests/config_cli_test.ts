/**
 * The config commands through main.ts: `check`, `simulate`, `init` — exit codes and output.
 *
 * @module
 */
import assert from "node:assert/strict";
import { startDeno } from "./harness/process.ts";

async function reactor(args: string[], env: Record<string, string> = {}) {
  const p = startDeno("main.ts", args, env);
  const code = await p.wait();
  return { code, out: p.output() };
}

Deno.test("reactor check exits 0 with the table, 2 with one line per problem and no stack", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const ok = await reactor(["check", "--config", "examples/reactor.yaml"]);
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /\n3 rule\(s\), 0 handler\(s\), \d built-in hook\(s\) on\n$/);

    await Deno.writeTextFile(`${dir}/a.yaml`, 'events_reactor:\n  r:\n    run: [x, "%%nope%%"]\n');
    await Deno.writeTextFile(`${dir}/b.ts`, "throw new Error('TOKEN is not set');\n");
    const bad = await reactor(["check", "-c", `${dir}/a.yaml`, "-c", `${dir}/b.ts`]);
    assert.equal(bad.code, 2);
    assert.deepEqual(bad.out.trimEnd().split("\n"), [
      `${dir}/a.yaml:3:14: events_reactor.r.run[1]: unknown template key %%nope%% — use one of action, type, scope, time, id, actor.id, actor.name, name, image, ip, host, hostid, payload, actor.attributes.<name> or label.<name>`,
      `${dir}/b.ts: the config threw while loading: TOKEN is not set — fix the code that runs at import time`,
    ]);

    assert.doesNotMatch(bad.out, /\n\s+at /, "no stack trace without --verbose");
    const verbose = await reactor(["--verbose", "check", "-c", `${dir}/b.ts`]);
    assert.equal(verbose.code, 2);
    assert.match(verbose.out, /Error: TOKEN is not set\n\s+at file:\/\/.*b\.ts/);

    // $REACTOR_CONFIG is used when no --config is given
    const env = await reactor(["check"], { REACTOR_CONFIG: `${dir}/a.yaml` });
    assert.equal(env.code, 2);
    assert.match(env.out, /a\.yaml:3:14: /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("reactor init writes files that reactor check accepts; simulate prints the argv", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const init = await reactor(["init", "--dir", dir]);
    assert.equal(init.code, 0, init.out);
    assert.match(init.out, /wrote .*reactor\.d\.ts\nwrote .*reactor\.config\.ts\n/);
    const again = await reactor(["init", "--dir", dir]);
    assert.equal(again.code, 2);
    assert.match(again.out, /the file exists — pass --force/);
    const check = await reactor(["check", "--config", `${dir}/reactor.config.ts`]);
    assert.equal(check.code, 0, check.out);
    assert.match(
      check.out,
      /\nhandler +onStart +.*type=container action=start +TypeScript function\n/,
    );

    await Deno.writeTextFile(
      `${dir}/ev.json`,
      '{"Type":"container","Action":"start","Actor":{"ID":"abc","Attributes":{"name":"sentry_web","image":"x"}},"scope":"local","time":1,"timeNano":1000000001}',
    );
    const sim = await reactor([
      "simulate",
      "--event",
      `${dir}/ev.json`,
      "--config",
      "examples/reactor.yaml",
      "--config",
      `${dir}/reactor.config.ts`,
      "--host-name",
      "docker-002",
    ]);
    assert.equal(sim.code, 0, sim.out);
    assert.match(
      sim.out,
      /MATCH {2}rule {5}Update Sentry Relay configuration\n {9}\$ docker-paas-propagate-sentry-relay ''\n/,
    );
    assert.match(
      sim.out,
      /MATCH {2}handler {2}onStart\n {9}# a TypeScript function: runs only with --execute\n/,
    );
    assert.match(sim.out, /nothing was executed/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
