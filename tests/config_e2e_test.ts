/**
 * Config end to end: `reactor run --config …` as a real daemon against a private dockerd.
 * The seed-001 rules file with stub programs on PATH, a TS config whose onStart adds a route
 * inside the container's netns, and reloads (file change and SIGHUP, valid and invalid) while
 * containers start, losing no event.
 *
 * @module
 */
import assert from "node:assert/strict";
import { startDockerd, waitFor } from "./harness/dockerd.ts";
import { startDeno, type TestProcess } from "./harness/process.ts";
import { exec } from "../lib/exec/run.ts";

const d = await startDockerd();
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
  // sudo: record, then run its arguments (the test runs as root already)
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
    out.push((await Deno.readTextFile(`${dir}/calls/${e.name}`)).split("\0").slice(0, -1));
  }
  return out;
}

async function daemon(dir: string, args: string[], env: Record<string, string> = {}) {
  const p = startDeno(
    "main.ts",
    [
      "--state-dir",
      `${dir}/state`,
      "-H",
      d.host,
      "run",
      "--scripts-dir",
      `${dir}/scripts`,
      ...args,
    ],
    env,
  );
  await p.waitForOutput(/Connected to/);
  return p;
}

async function stop(p: TestProcess): Promise<void> {
  p.kill("SIGTERM");
  assert.equal(await p.wait(), 0, p.output());
}

Deno.test("seed-001 rules run the stub programs with the exact argv, incl. sentry_web's real IP", async () => {
  const dir = await Deno.makeTempDir();
  await makeStubs(dir);
  const rules = `${dir}/reactor.yaml`;
  await Deno.copyFile(new URL("../examples/reactor.yaml", import.meta.url).pathname, rules);
  const p = await daemon(dir, ["--config", rules], { PATH: `${dir}/bin:${Deno.env.get("PATH")}` });
  try {
    const id = await d.runContainer("sentry_web");
    await d.runContainer("sentry_kafka");
    const ip = await d.docker("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "sentry_web");
    assert.match(ip, new RegExp(`^${d.subnetPrefix.replaceAll(".", "\\.")}\\.\\d+$`));
    const kafkaStarted = async () =>
      (await calls(dir, "salt-call")).some((a) => {
        const ev = JSON.parse(a[2]!);
        return ev.Action === "start" && ev.Actor.Attributes.name === "sentry_kafka";
      });
    await waitFor(kafkaStarted, { what: `sentry_kafka start handled:\n${p.output()}` });
    await stop(p); // drains: every event received so far is fully handled
    const engineName = await d.docker("info", "-f", "{{.Name}}");

    // Sentry Relay: only for sentry_web, with its real IP
    assert.deepEqual(await calls(dir, "docker-paas-propagate-sentry-relay"), [[ip]]);

    // Salt: `sudo salt-call event.send docker <raw event JSON>` for every event (catch-all)
    const sudo = await calls(dir, "sudo");
    const salt = await calls(dir, "salt-call");
    assert.equal(sudo.length, salt.length);
    for (const a of sudo) assert.deepEqual(a.slice(0, 3), ["salt-call", "event.send", "docker"]);
    for (const a of salt) assert.equal(a.length, 3);
    const events = salt.map((a) => JSON.parse(a[2]!));
    const start = events.find((e) => e.Action === "start" && e.Actor.ID === id);
    assert.ok(start, "sentry_web's start reached Salt");
    assert.match(
      salt.find((a) => a[2]!.includes(`"Action":"start","Actor":{"ID":"${id}"`))![2]!,
      /"timeNano":\d{19}\}$/,
    );

    // notification-push: one per container event, exact argv
    const notes = await calls(dir, "notification-push");
    assert.equal(notes.length, events.filter((e) => e.Type === "container").length);
    assert.ok(
      notes.some((a) =>
        JSON.stringify(a) ===
          JSON.stringify([
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
  } finally {
    p.kill("SIGKILL");
    await p.wait();
    await d.docker("rm", "-f", "sentry_web", "sentry_kafka").catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a TS config's onStart adds a route inside the container's network namespace", async () => {
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
      ctx.log.info("routes in " + container.name, { routes: r.stdout.trim().split("\\n").length });
    },
  },
} satisfies Config;
`,
  );
  const p = await daemon(dir, ["--config", file]);
  try {
    await d.runContainer("routed1");
    const pid = await d.pidOf("routed1");
    await p.waitForOutput(/routes in routed1/);
    const routes = (await exec(["nsenter", "-t", String(pid), "-n", "ip", "-o", "route"])).stdout;
    assert.match(routes, /10\.77\.0\.0\/16 dev eth0 .*metric 7/);
    const hostRoutes = (await exec(["ip", "-o", "route"])).stdout;
    assert.doesNotMatch(hostRoutes, /10\.77\.0\.0\/16/, "the route is in the container only");
    await stop(p);
  } finally {
    p.kill("SIGKILL");
    await p.wait();
    await d.docker("rm", "-f", "routed1").catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("reload (file change, SIGHUP; valid and invalid) while containers start loses no event", async () => {
  const dir = await Deno.makeTempDir();
  const rec = `${dir}/rec`;
  await Deno.mkdir(rec);
  const file = `${dir}/reactor.yaml`;
  const config = (v: string) =>
    `hooks: { labels: false, scripts: false }\nevents_reactor:\n  record:\n    event: { action: start, actor: { name: "rl-*" } }\n    run: [touch, "${rec}/%%name%%.${v}"]\n`;
  await Deno.writeTextFile(file, config("v1"));
  const p = await daemon(dir, ["--config", file, "--watch-config"]);
  const batch = (names: string[]) => Promise.all(names.map((n) => d.runContainer(n)));
  const names = (b: string) => [1, 2, 3, 4].map((i) => `rl-${b}${i}`);
  try {
    // batch A starts while the file changes (editor-style: write a new file, rename it over)
    const a = batch(names("a"));
    await Deno.writeTextFile(`${file}.tmp`, config("v2"));
    await Deno.rename(`${file}.tmp`, file);
    await a;
    await p.waitForOutput(/config reloaded/);

    // batch B starts while an invalid config arrives with SIGHUP: logged, v2 keeps running
    const b = batch(names("b"));
    await Deno.writeTextFile(`${file}.tmp`, config("v3").replace(/run: \[.*\]/, "run: touch x"));
    await Deno.rename(`${file}.tmp`, file);
    await waitFor(() => /config reload rejected/.test(p.output()), { what: "rejected reload" });
    p.kill("SIGHUP");
    await b;
    await waitFor(() => (p.output().match(/config reload rejected/g) ?? []).length >= 2, {
      what: `second rejection (SIGHUP):\n${p.output()}`,
    });
    assert.match(p.output(), /events_reactor\.record\.run: must be a list of argv strings/);

    // batch C after the rejection still runs under v2
    await batch(names("c"));
    const all = [...names("a"), ...names("b"), ...names("c")];
    const records = async () => {
      const out: string[] = [];
      for await (const e of Deno.readDir(rec)) out.push(e.name);
      return out.sort();
    };
    await waitFor(async () => (await records()).length >= all.length, {
      what: `records for all ${all.length} containers:\n${p.output()}`,
    });
    await stop(p);
    const got = await records();
    for (const n of all) {
      const mine = got.filter((f) => f.startsWith(`${n}.`));
      assert.equal(mine.length, 1, `${n} handled exactly once: ${mine}`);
      if (!n.startsWith("rl-a")) assert.equal(mine[0], `${n}.v2`);
    }
    assert.equal(got.length, all.length);
  } finally {
    p.kill("SIGKILL");
    await p.wait();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("reactor once runs the config's rules for running containers; a failing rule exits 1", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await d.runContainer("once1");
    const file = `${dir}/reactor.yaml`;
    await Deno.writeTextFile(
      file,
      `hooks: { labels: false, scripts: false }\nevents_reactor:\n  mark:\n    event: { action: start, actor: { name: once1 } }\n    run: [touch, "${dir}/%%name%%.%%action%%"]\n`,
    );
    const args = ["--state-dir", `${dir}/state`, "-H", d.host, "once", "--config", file];
    const ok = startDeno("main.ts", args);
    assert.equal(await ok.wait(), 0, ok.output());
    assert.ok((await Deno.stat(`${dir}/once1.start`)).isFile);

    await Deno.writeTextFile(
      file,
      `hooks: { labels: false, scripts: false }\nevents_reactor:\n  fail:\n    event: { actor: { name: once1 } }\n    run: [/bin/false]\n`,
    );
    const bad = startDeno("main.ts", args);
    assert.equal(await bad.wait(), 1, bad.output());
    assert.match(bad.output(), /\/bin\/false/);
  } finally {
    await d.docker("rm", "-f", "once1").catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("as root, reactor run refuses a config file writable by others", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/reactor.yaml`;
  await Deno.writeTextFile(file, "events_reactor:\n  r:\n    run: [/bin/true]\n");
  await Deno.chmod(file, 0o666);
  try {
    const p = startDeno("main.ts", [
      "--state-dir",
      `${dir}/state`,
      "-H",
      d.host,
      "run",
      "--config",
      file,
    ]);
    assert.equal(await p.wait(), 2);
    assert.match(
      p.output(),
      new RegExp(
        `^${file}: refusing config file that is writable by group and others \\(mode 0666\\).*or pass --insecure-config\\n$`,
      ),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("close the private dockerd", async () => {
  await d.close();
});
