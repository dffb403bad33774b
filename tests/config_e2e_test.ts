/**
 * Config rules and handlers against a real private dockerd: the seed-001 rules file with stub
 * programs on PATH, and a TS config whose onStart adds a route inside the container's netns.
 *
 * @module
 */
import assert from "node:assert/strict";
import { startDockerd, type TestDockerd, waitFor } from "./harness/dockerd.ts";
import { DockerClient } from "../lib/docker/client.ts";
import { openTransport, parseEndpoint } from "../lib/docker/endpoint.ts";
import { parseEvent } from "../lib/docker/normalize.ts";
import type { ReactorEvent } from "../lib/docker/types.ts";
import type { Hook } from "../lib/engine/hook.ts";
import { exec } from "../lib/exec/run.ts";
import { getLog } from "../lib/log.ts";
import { loadConfig } from "../lib/config/load.ts";
import { configHooks } from "../lib/config/hooks.ts";

const STUBS = ["notification-push", "salt-call", "docker-paas-propagate-sentry-relay"];

/** Stub programs that record their argv (NUL-separated) into calls/<program>.<n>. */
async function makeStubs(dir: string): Promise<void> {
  await Deno.mkdir(`${dir}/bin`);
  await Deno.mkdir(`${dir}/calls`);
  for (const name of STUBS) {
    await Deno.writeTextFile(
      `${dir}/bin/${name}`,
      `#!/bin/sh\nf=$(mktemp "${dir}/calls/${name}.XXXXXX")\nprintf '%s\\0' "$@" > "$f"\n`,
      { mode: 0o755 },
    );
  }
  // sudo: record, then run its arguments (as root already)
  await Deno.writeTextFile(
    `${dir}/bin/sudo`,
    `#!/bin/sh\nf=$(mktemp "${dir}/calls/sudo.XXXXXX")\nprintf '%s\\0' "$@" > "$f"\nexec "$@"\n`,
    { mode: 0o755 },
  );
}

async function calls(dir: string, program: string): Promise<string[][]> {
  const out: string[][] = [];
  for await (const e of Deno.readDir(`${dir}/calls`)) {
    if (!e.name.startsWith(`${program}.`)) continue;
    const text = await Deno.readTextFile(`${dir}/calls/${e.name}`);
    out.push(text.split("\0").slice(0, -1));
  }
  return out;
}

/**
 * Feed the dockerd's events to hooks the way the engine does (inspect once per container
 * event, hooks in order). Returns a stop function.
 */
async function drive(
  d: TestDockerd,
  hooks: Hook[],
  env: Record<string, string>,
): Promise<{ stop: () => Promise<void>; events: ReactorEvent[]; failures: string[] }> {
  const docker = new DockerClient({
    hostId: "default",
    transport: await openTransport(parseEndpoint(d.host)),
  });
  await docker.negotiate();
  const name = (await docker.info()).name;
  const ac = new AbortController();
  const res = await docker.events({
    signal: ac.signal,
    since: String(Math.floor(Date.now() / 1000)),
  });
  const events: ReactorEvent[] = [];
  const failures: string[] = [];
  const loop = (async () => {
    let buf = "";
    try {
      for await (const chunk of res.body!.pipeThrough(new TextDecoderStream())) {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (!line.trim()) continue;
          const event = parseEvent(line, "default");
          const container = event.type === "container"
            ? await docker.inspect(event.actor.id).catch(() => undefined)
            : undefined;
          for (const hook of hooks) {
            if (!hook.wants(event)) continue;
            try {
              await hook.handle({
                event,
                container,
                host: { id: "default", name, docker, rootless: false, local: true },
                log: getLog(),
                signal: AbortSignal.timeout(20_000),
                exec: (argv, o) => exec(argv, { ...o, env: { ...env, ...o?.env } }),
              });
            } catch (err) {
              failures.push(`${hook.name}: ${(err as Error).message}`);
            }
          }
          events.push(event);
        }
      }
    } catch (err) {
      if (!ac.signal.aborted) throw err;
    }
  })();
  return {
    events,
    failures,
    stop: async () => {
      if (ac.signal.aborted) return;
      ac.abort();
      await loop.catch(() => {});
      docker.close();
    },
  };
}

let dockerd: TestDockerd | undefined;
async function getDockerd(): Promise<TestDockerd> {
  return dockerd ??= await startDockerd();
}

Deno.test("seed-001 rules run the stub programs with the exact argv, including sentry_web's real IP", async () => {
  const d = await getDockerd();
  const dir = await Deno.makeTempDir();
  await makeStubs(dir);
  const cfg = await loadConfig([new URL("../examples/reactor.yaml", import.meta.url).pathname]);
  const driver = await drive(d, configHooks(cfg), { PATH: `${dir}/bin:${Deno.env.get("PATH")}` });
  try {
    const id = await d.runContainer("sentry_web");
    await d.runContainer("sentry_kafka");
    const ip = await d.docker("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "sentry_web");
    assert.match(ip, new RegExp(`^${d.subnetPrefix.replaceAll(".", "\\.")}\\.\\d+$`));
    await waitFor(
      async () =>
        (await calls(dir, "docker-paas-propagate-sentry-relay")).length >= 1 &&
        driver.events.some((e) =>
          e.action === "start" && e.actor.attributes["name"] === "sentry_kafka"
        ),
      { what: "sentry rule and sentry_kafka start" },
    );
    const engineName = await d.docker("info", "-f", "{{.Name}}");
    await driver.stop(); // every event read so far is fully handled

    // Sentry Relay: only for sentry_web, with its real IP
    assert.deepEqual(await calls(dir, "docker-paas-propagate-sentry-relay"), [[ip]]);

    // notification-push: one per container event, exact argv
    const notes = await calls(dir, "notification-push");
    assert.ok(
      notes.some((a) =>
        JSON.stringify(a) === JSON.stringify([
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
          engineName,
        ])
      ),
      JSON.stringify(notes),
    );
    const containerEvents = driver.events.filter((e) => e.type === "container").length;
    assert.equal(notes.length, containerEvents);

    // Salt: `sudo salt-call event.send docker <raw event JSON>` for every event (catch-all)
    const sudo = await calls(dir, "sudo");
    const salt = await calls(dir, "salt-call");
    assert.equal(sudo.length, driver.events.length);
    assert.deepEqual(
      sudo.map((a) => a.slice(0, 3)),
      sudo.map(() => ["salt-call", "event.send", "docker"]),
    );
    assert.deepEqual(salt.map((a) => a.length), salt.map(() => 3));
    const startRaw = driver.events.find((e) => e.action === "start" && e.actor.id === id)!.raw;
    assert.ok(salt.some((a) => a[2] === startRaw), "payload is the raw event line");
    assert.deepEqual(driver.failures, []);
  } finally {
    await driver.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a TS config's onStart adds a route inside the container's network namespace", async () => {
  const d = await getDockerd();
  const dir = await Deno.makeTempDir();
  const file = `${dir}/reactor.config.ts`;
  await Deno.writeTextFile(
    file,
    `import type { Config } from "./reactor.d.ts";
export default {
  hooks: { labels: false, scripts: false },
  onStart: {
    hosts: ["default"],
    run: async (container, ctx) => {
      if (!container.name.startsWith("routed")) return;
      await ctx.ip.route.add("10.77.0.0/16", { dev: "eth0", netns: container, metric: 7 });
      const r = await ctx.nsenter(container, ["ip", "-o", "route"]);
      ctx.log.info("routes", { out: r.stdout });
    },
  },
} satisfies Config;
`,
  );
  const cfg = await loadConfig([file]);
  const driver = await drive(d, configHooks(cfg), {});
  try {
    await d.runContainer("routed1");
    const pid = await d.pidOf("routed1");
    const routes = await waitFor(async () => {
      const r = await exec(["nsenter", "-t", String(pid), "-n", "ip", "-o", "route"]);
      return r.stdout.includes("10.77.0.0/16") ? r.stdout : undefined;
    }, { what: "route in the container netns" });
    assert.match(routes, /10\.77\.0\.0\/16 dev eth0 .*metric 7/);
    const hostRoutes = (await exec(["ip", "-o", "route"])).stdout;
    assert.doesNotMatch(
      hostRoutes,
      /10\.77\.0\.0\/16/,
      "the route is in the container, not on the host",
    );
    assert.deepEqual(driver.failures, []);
  } finally {
    await driver.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("close the private dockerd", async () => {
  await dockerd?.close();
});
