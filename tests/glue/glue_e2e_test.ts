/**
 * End to end against a REAL private dockerd: a container start read from the Engine's event
 * stream (`DockerClient.events` + `parseEvent`) is dispatched to Glue handlers loaded from a
 * glue dir — Glue's own test.ini + test-handler.sh (unchanged), a dumping ScriptHandler with
 * `triggers-none=1` and shell metacharacters in its params and the container's labels, and a
 * `none` subscriber. The lead wires the engine; this drives the library the way it will.
 */
import assert from "node:assert/strict";
import { startDockerd } from "../harness/dockerd.ts";
import { DockerClient } from "../../lib/docker/client.ts";
import { openTransport, parseEndpoint } from "../../lib/docker/endpoint.ts";
import type { ContainerInfo, ReactorEvent } from "../../lib/reactor.d.ts";
import { exec } from "../../lib/exec/run.ts";
import { dispatchGlue, noneEvent } from "../../lib/glue/dispatch.ts";
import { type GlueHandlerSpec, loadGlueDirs } from "../../lib/glue/handlers.ts";
import { runGlueScript } from "../../lib/glue/script_handler.ts";
import { fixture, glueLayout, memLog } from "./helpers.ts";

/** Writes `<out-dir>/<ini name>-<action>-<id|none>.txt`: argv, REACTOR_* env, stdin. */
const DUMP = `#!/bin/sh
out=$(crudini --get "$1" params out-dir)
f="$out/$(basename "$1" .ini)-$2-\${3:-none}.txt"
{
  printf 'argc=%s\\n' "$#"
  for a in "$@"; do printf 'arg=%s\\n' "$a"; done
  env | grep '^REACTOR_' | sort
  printf 'stdin='
  cat
} > "$f"
echo "dumped $f"
`;

async function firstStart(client: DockerClient, name: string, run: () => Promise<unknown>) {
  const ac = new AbortController();
  const signal = AbortSignal.any([ac.signal, AbortSignal.timeout(60_000)]);
  const events = await client.events({ filters: { type: ["container"] }, signal });
  try {
    await run();
    for await (const ev of events) {
      if (ev.action === "start" && ev.actor.attributes["name"] === name) return ev;
    }
    throw new Error(`event stream ended before the start of ${name}`);
  } finally {
    ac.abort();
  }
}

Deno.test("Glue ScriptHandlers run for a real container start from a private dockerd", async () => {
  const tag = crypto.randomUUID().slice(0, 8);
  const g = await glueLayout({}, {
    "test-handler.sh": await fixture("handler-scripts/test-handler.sh"),
    "dump-handler.sh": DUMP,
  });
  const out = `${g.root}/out`;
  await Deno.mkdir(out);
  const evil =
    `$(touch ${g.root}/MARK) \`touch ${g.root}/MARK\` | touch ${g.root}/MARK && echo > ${g.root}/MARK2`;
  await Deno.writeTextFile(
    `${g.glueDir}/test.ini`,
    await fixture("docker-glue.d/test.ini.example"),
  );
  const dumpIni = (events: string, extra = "") =>
    `[handler]\nclass=DockerGlue.handlers.exec.ScriptHandler\nevents=${events}\n${extra}\n` +
    `[params]\nscript=dump-handler.sh\nout-dir=${out}\nevil=${evil}\n`;
  await Deno.writeTextFile(`${g.glueDir}/dump.ini`, dumpIni("start,die", "triggers-none=1\n"));
  await Deno.writeTextFile(`${g.glueDir}/zz-none.ini`, dumpIni("none"));

  const d = await startDockerd();
  const client = new DockerClient({
    hostId: "default",
    transport: await openTransport(parseEndpoint(d.host)),
  });
  try {
    await client.negotiate();
    const loaded = await loadGlueDirs([g.glueDir]);
    assert.deepEqual(loaded.problems, []);
    assert.deepEqual(loaded.warnings, []);
    assert.deepEqual(loaded.handlers.map((h) => h.name), ["dump", "test", "zz-none"]);

    const log = memLog();
    // the inspected container once known (what the engine hands hooks)
    const known: { container?: ContainerInfo } = {};
    const run = (h: GlueHandlerSpec, ev: ReactorEvent) =>
      runGlueScript(h, { event: ev, container: known.container, exec, log, timeoutMs: 30_000 });

    // startup (and `reactor once`): none runs once, for the none subscriber only
    const boot = await dispatchGlue(loaded.handlers, noneEvent(client.hostId), run);
    assert.deepEqual(boot.failed, []);
    assert.deepEqual(boot.ran.map((h) => h.name), ["zz-none"]);
    const bootDump = await Deno.readTextFile(`${out}/zz-none-none-none.txt`);
    assert.match(bootDump, /^argc=3\narg=.*zz-none\.ini\narg=none\narg=\n/);
    await Deno.remove(`${out}/zz-none-none-none.txt`);

    const name = `glue-e2e-${tag}`;
    const ev = await firstStart(
      client,
      name,
      () => d.runContainer(name, { labels: { "glue.evil": evil } }),
    );
    assert.equal(ev.synthetic, false);
    assert.ok(ev.raw.includes('"glue.evil"'));
    const container = await client.inspect(ev.actor.id);
    known.container = container;

    const r = await dispatchGlue(loaded.handlers, ev, run);
    assert.deepEqual(r.failed.map((f) => String(f.error)), []);
    assert.deepEqual(r.ran.map((h) => h.name), ["dump", "test"]);
    assert.deepEqual(r.ranNone.map((h) => h.name), ["zz-none"]);

    const dump = await Deno.readTextFile(`${out}/dump-start-${ev.actor.id}.txt`);
    const lines = dump.split("\n");
    assert.deepEqual(lines.slice(0, 4), [
      "argc=3",
      `arg=${g.glueDir}/dump.ini`,
      "arg=start",
      `arg=${ev.actor.id}`,
    ]);
    for (
      const want of [
        "REACTOR_ACTION=start",
        "REACTOR_HOST=default",
        `REACTOR_CONTAINER_ID=${ev.actor.id}`,
        `REACTOR_CONTAINER_NAME=${name}`,
        `REACTOR_CONTAINER_PID=${container.pid}`,
        `REACTOR_CONTAINER_IP=${container.primaryIp}`,
        `REACTOR_PARAM_EVIL=${evil}`,
        `REACTOR_PARAM_OUT_DIR=${out}`,
        "REACTOR_PARAM_SCRIPT=dump-handler.sh",
      ]
    ) assert.ok(lines.includes(want), `missing ${want} in\n${dump}`);
    assert.ok(container.pid > 0);
    const stdin = JSON.parse(dump.slice(dump.indexOf("stdin=") + 6));
    assert.equal(stdin.Action, "start");
    assert.equal(stdin.Actor.ID, ev.actor.id);
    assert.equal(stdin.Actor.Attributes["glue.evil"], evil);
    // the script's output went to the log
    assert.ok(log.records.some((x) => x.message === `dumped ${out}/dump-start-${ev.actor.id}.txt`));

    // the none follow-up: container id ""
    const none = await Deno.readTextFile(`${out}/zz-none-none-none.txt`);
    assert.match(none, /^argc=3\narg=.*zz-none\.ini\narg=none\narg=\n/);
    assert.match(none, /\nREACTOR_CONTAINER_ID=\n/);

    // Glue's own test-handler.sh (events=all) appended its line for this container
    const glueLog = await Deno.readTextFile("/tmp/docker-glue-test.log");
    assert.ok(
      glueLog.includes(
        `container_id=[${ev.actor.id}] status=[start] ini_demo_option=[some value]\n`,
      ),
    );

    // nothing ever went through a shell
    await assert.rejects(Deno.stat(`${g.root}/MARK`), Deno.errors.NotFound);
    await assert.rejects(Deno.stat(`${g.root}/MARK2`), Deno.errors.NotFound);
  } finally {
    client.close();
    await d.close();
    await g.close();
  }
});
