/**
 * Integration tests of the embedded default (label networking + scripts) against a REAL private
 * dockerd and real network namespaces. Hooks are driven with a HandlerContext built here from a
 * real inspect; checks read the kernel state with `nsenter … ip -j`.
 */
import assert from "node:assert/strict";
import { startDockerd, type TestDockerd, waitFor } from "./harness/dockerd.ts";
import { DockerClient } from "../lib/docker/client.ts";
import { openTransport, parseEndpoint } from "../lib/docker/endpoint.ts";
import type { ContainerInfo, ReactorEvent } from "../lib/reactor.d.ts";
import type { HandlerContext } from "../lib/engine/hook.ts";
import { exec, type Run } from "../lib/exec/run.ts";
import { getLog, type Log, type LogFields } from "../lib/log.ts";
import { labelsHook } from "../hooks/labels.ts";
import { scriptsHook } from "../hooks/scripts.ts";
import { loadCliConfig } from "../lib/cli/config.ts";
import { configHooks } from "../lib/config/hooks.ts";
import { HostRoutesStore } from "../lib/net/host_routes_store.ts";
import { CommandError } from "../lib/errors.ts";

interface Rec {
  level: string;
  message: string;
  fields: LogFields;
}

function memLog(records: Rec[] = [], bound: LogFields = {}): Log & { records: Rec[] } {
  const push = (level: string) => (message: string, fields?: LogFields) =>
    records.push({ level, message, fields: { ...bound, ...fields } });
  return {
    records,
    debug: push("debug"),
    info: push("info"),
    warn: push("warn"),
    error: push("error"),
    child: (f) => memLog(records, { ...bound, ...f }),
  };
}

function event(c: ContainerInfo, action: string): ReactorEvent {
  const nano = `${Date.now()}000000`;
  return {
    hostId: c.hostId,
    type: "container",
    action,
    rawAction: action,
    actor: { id: c.id, attributes: { ...c.labels, name: c.name, image: c.image } },
    scope: "local",
    time: Math.floor(Date.now() / 1000),
    timeNano: nano,
    synthetic: false,
    raw: "",
  };
}

interface World {
  d: TestDockerd;
  client: DockerClient;
}

async function ctxFor(
  w: World,
  name: string,
  action = "start",
  o: { exec?: Run; log?: Log; patch?: Partial<ContainerInfo> } = {},
): Promise<HandlerContext & { log: Log & { records: Rec[] } }> {
  const c = { ...await w.client.inspect(name), ...o.patch };
  const log = (o.log ?? memLog()) as Log & { records: Rec[] };
  return {
    event: event(c, action),
    container: c,
    host: { id: "default", name: "test", docker: w.client, rootless: false, local: true },
    log,
    signal: new AbortController().signal,
    exec: o.exec ?? exec,
    movedOn: false,
  };
}

async function nsJson(pid: number, ...args: string[]): Promise<Record<string, unknown>[]> {
  const r = await exec(["nsenter", "-t", String(pid), "-n", "ip", "-j", ...args]);
  return JSON.parse(r.stdout || "[]");
}

async function hostRoutes(dst: string): Promise<Record<string, unknown>[]> {
  const r = await exec(["ip", "-j", "route", "show", dst]);
  return JSON.parse(r.stdout || "[]");
}

function dsts(routes: Record<string, unknown>[]): string[] {
  return routes.map((r) => String(r["dst"])).sort();
}

Deno.test("labels and scripts hooks against a real dockerd", async (t) => {
  const d = await startDockerd();
  const transport = await openTransport(parseEndpoint(d.host));
  const client = new DockerClient({ hostId: "default", transport });
  await client.negotiate();
  const w: World = { d, client };
  const N = d.index;
  const stateDir = await Deno.makeTempDir({ prefix: "rx-labels-state-" });
  const hostDsts: string[] = [];
  try {
    await t.step("address and route labels are applied inside the container netns", async () => {
      await d.runContainer("lab-a", {
        labels: {
          "docker-events.address": "add 10.77.1.5/24 dev eth0",
          "docker-events.route":
            `add 10.78.0.0/16 via ${d.subnetPrefix}.1; add 10.79.0.0/16 dev eth0 metric 7`,
        },
      });
      const hook = labelsHook({ store: new HostRoutesStore(stateDir) });
      const ctx = await ctxFor(w, "lab-a");
      assert.ok(ctx.container?.sandboxKey, "rootful engine reports a SandboxKey");
      await hook.handle(ctx);
      const pid = await d.pidOf("lab-a");
      const routes = await nsJson(pid, "route");
      const r78 = routes.find((r) => r["dst"] === "10.78.0.0/16");
      assert.equal(r78?.["gateway"], `${d.subnetPrefix}.1`);
      const r79 = routes.find((r) => r["dst"] === "10.79.0.0/16");
      assert.equal(r79?.["dev"], "eth0");
      assert.equal(r79?.["metric"], 7);
      const links = await nsJson(pid, "addr", "show", "dev", "eth0");
      const addrs = (links[0]?.["addr_info"] as { local: string; prefixlen: number }[])
        .map((a) => `${a.local}/${a.prefixlen}`);
      assert.ok(addrs.includes("10.77.1.5/24"), addrs.join(","));
      assert.equal(hook.stats.failed, 0);
      assert.equal(hook.stats.applied, 3);
    });

    await t.step("a reactor restart re-applies idempotently (by pid, no SandboxKey)", async () => {
      const hook = labelsHook({ store: new HostRoutesStore(stateDir) });
      await hook.resync!(await ctxFor(w, "lab-a", "start", { patch: { sandboxKey: "" } }));
      await hook.handle(await ctxFor(w, "lab-a"));
      assert.equal(hook.stats.failed, 0);
      // the address `add` is verified present; route `add` runs as `replace`
      assert.equal(hook.stats.present, 2);
      assert.equal(hook.stats.applied, 4);
      const routes = await nsJson(await d.pidOf("lab-a"), "route", "show", "10.78.0.0/16");
      assert.equal(routes.length, 1);
    });

    await t.step(
      "multiple parts work and a malformed part fails alone with one log line",
      async () => {
        await d.runContainer("lab-m", {
          labels: {
            "docker-events.route":
              "add 10.80.0.0/16 dev eth0;; add nonsense-here ; add 10.81.0.0/16 dev eth0",
          },
        });
        const hook = labelsHook({ store: new HostRoutesStore(stateDir) });
        const ctx = await ctxFor(w, "lab-m");
        await assert.rejects(
          hook.handle(ctx),
          /1 networking label part\(s\) failed for container "lab-m"/,
        );
        assert.deepEqual(
          dsts(await nsJson(await d.pidOf("lab-m"), "route")).filter((x) => x.startsWith("10.8")),
          ["10.80.0.0/16", "10.81.0.0/16"],
        );
        const errors = ctx.log.records.filter((r) => r.level === "error");
        assert.equal(errors.length, 1);
        const e = errors[0]!;
        assert.equal(e.fields["container"], "lab-m");
        assert.equal(e.fields["label"], "docker-events.route");
        assert.equal(e.fields["cmd"], "ip route replace nonsense-here");
        assert.match(e.message, /exit \d+: .+/, "the message carries ip's stderr");
      },
    );

    await t.step(
      "injection attempts in labels are inert: only ip runs, with literal words",
      async () => {
        const canary = `${stateDir}/canary`;
        await Deno.writeTextFile(canary, "x");
        const pwned = `${stateDir}/pwned`;
        await d.runContainer("lab-inj", {
          labels: {
            "docker-events.route":
              `add 10.82.0.0/16 dev eth0; rm -rf ${canary}; \`touch ${pwned}\`; add 10.84.0.0/16 dev eth0 $(touch ${pwned}) && touch ${pwned}`,
            "docker-events.address":
              `add 10.83.0.1/32 dev eth0; add 10.83.0.2/32 dev eth0 | touch ${pwned}`,
            "docker-events.host-route":
              `add 10.250.${N}.0/24 dev ${d.bridge} ; touch ${pwned}; flush all`,
          },
        });
        hostDsts.push(`10.250.${N}.0/24`);
        const spawned: (readonly string[])[] = [];
        const spy: Run = (argv, o) => {
          spawned.push(argv);
          return exec(argv, o);
        };
        const hook = labelsHook({ store: new HostRoutesStore(stateDir) });
        const ctx = await ctxFor(w, "lab-inj", "start", { exec: spy });
        await assert.rejects(hook.handle(ctx), /networking label part\(s\) failed/);
        for (const argv of spawned) {
          const prog = argv[0] === "nsenter" ? argv[argv.indexOf("--") + 1] : argv[0];
          assert.equal(prog, "ip", JSON.stringify(argv));
        }
        // the suspicious words reached ip as single literal arguments
        assert.ok(spawned.some((a) => a.includes(`\`touch`) && a.includes(`${pwned}\``)));
        assert.ok(spawned.some((a) => a.includes("$(touch")));
        assert.ok(!spawned.some((a) => a.includes("flush")), "host verb flush refused before ip");
        assert.equal(await Deno.readTextFile(canary), "x");
        await assert.rejects(Deno.stat(pwned), Deno.errors.NotFound);
        const routes = dsts(await nsJson(await d.pidOf("lab-inj"), "route"));
        assert.ok(routes.includes("10.82.0.0/16"));
        assert.ok(!routes.includes("10.84.0.0/16"));
        assert.ok(
          (await hostRoutes(`10.250.${N}.0/24`)).length === 1,
          "the valid host route part ran",
        );
        await d.docker("rm", "-f", "lab-inj");
        await hook.handle(
          await ctxFor(w, "lab-a", "die", { patch: { id: ctx.container!.id, name: "lab-inj" } }),
        );
        assert.equal((await hostRoutes(`10.250.${N}.0/24`)).length, 0);
      },
    );

    await t.step(
      "host routes appear on the host and are removed after docker stop, across a restart",
      async () => {
        const dst = `10.251.${N}.0/24`;
        const dst2 = `10.252.${N}.0/24`;
        hostDsts.push(dst, dst2);
        await d.runContainer("lab-h", {
          labels: {
            "docker-events.host-route":
              `add ${dst} via ${d.subnetPrefix}.2; replace ${dst2} dev ${d.bridge} metric 50`,
          },
        });
        const hook1 = labelsHook({ store: new HostRoutesStore(stateDir) });
        await hook1.handle(await ctxFor(w, "lab-h"));
        assert.equal((await hostRoutes(dst))[0]?.["gateway"], `${d.subnetPrefix}.2`);
        assert.equal((await hostRoutes(dst2))[0]?.["metric"], 50);
        // "restart": a fresh hook and store re-apply idempotently, then handle the stop
        const hook2 = labelsHook({ store: new HostRoutesStore(stateDir) });
        await hook2.resync!(await ctxFor(w, "lab-h"));
        assert.equal(hook2.stats.failed, 0);
        assert.equal(hook2.stats.present, 1);
        const last = await ctxFor(w, "lab-h");
        await d.docker("stop", "-t", "1", "lab-h");
        const hook3 = labelsHook({ store: new HostRoutesStore(stateDir) });
        await hook3.handle({ ...last, event: event(last.container!, "die") });
        assert.equal((await hostRoutes(dst)).length, 0);
        assert.equal((await hostRoutes(dst2)).length, 0);
        assert.equal(hook3.stats.removed, 2);
        // stop after die: nothing left, no failure
        await hook3.handle({ ...last, event: event(last.container!, "stop") });
        assert.deepEqual(
          await new HostRoutesStore(stateDir).routesOf("default", last.container!.id),
          [],
        );
      },
    );

    await t.step("a host route that already existed is not removed on stop", async () => {
      const dst = `10.253.${N}.0/24`;
      hostDsts.push(dst);
      await exec(["ip", "route", "add", dst, "dev", d.bridge]);
      await d.runContainer("lab-pre", {
        labels: { "docker-events.host-route": `add ${dst} dev ${d.bridge}` },
      });
      const hook = labelsHook({ store: new HostRoutesStore(stateDir) });
      const ctx = await ctxFor(w, "lab-pre");
      await hook.handle(ctx);
      assert.equal(hook.stats.present, 1);
      await hook.handle({ ...ctx, event: event(ctx.container!, "die") });
      assert.equal((await hostRoutes(dst)).length, 1, "foreign route left in place");
    });

    await t.step("a failing host route leaves no record behind", async () => {
      hostDsts.push(`10.247.${N}.0/24`);
      await d.runContainer("lab-hf", {
        labels: { "docker-events.host-route": `add 10.247.${N}.0/24 dev rxnope${N}` },
      });
      const hook = labelsHook({ store: new HostRoutesStore(stateDir) });
      const ctx = await ctxFor(w, "lab-hf");
      await assert.rejects(hook.handle(ctx), /1 networking label part/);
      assert.deepEqual(
        await new HostRoutesStore(stateDir).routesOf("default", ctx.container!.id),
        [],
      );
      const err = ctx.log.records.find((r) => r.level === "error")!;
      assert.equal(err.fields["cmd"], `ip route add 10.247.${N}.0/24 dev rxnope${N}`);
    });

    await t.step("the host-route policy refuses and counts, label policy allows", async () => {
      const dst = `10.254.${N}.0/24`;
      hostDsts.push(dst);
      await d.runContainer("lab-p", {
        labels: { "docker-events.host-route": `add ${dst} dev ${d.bridge}`, trusted: "yes" },
      });
      const deny = labelsHook({
        store: new HostRoutesStore(stateDir),
        hostRoutes: { kind: "deny" },
      });
      const ctx = await ctxFor(w, "lab-p");
      await deny.handle(ctx);
      assert.equal(deny.stats.refused, 1);
      assert.equal((await hostRoutes(dst)).length, 0);
      assert.ok(ctx.log.records.some((r) => r.level === "warn" && /refused/.test(r.message)));
      const other = labelsHook({
        store: new HostRoutesStore(stateDir),
        hostRoutes: { kind: "label", key: "trusted", value: "no" },
      });
      await other.handle(ctx);
      assert.equal(other.stats.refused, 1);
      const byLabel = labelsHook({
        store: new HostRoutesStore(stateDir),
        hostRoutes: { kind: "label", key: "trusted", value: "yes" },
      });
      await byLabel.handle(ctx);
      assert.equal((await hostRoutes(dst)).length, 1);
      await byLabel.handle({ ...ctx, event: event(ctx.container!, "die") });
      assert.equal((await hostRoutes(dst)).length, 0);
    });

    await t.step(
      "a host-network container cannot change host routes through the route label",
      async () => {
        await d.runContainer("lab-hostnet", {
          args: ["--network", "host"],
          labels: { "docker-events.route": `add 10.246.${N}.0/24 dev ${d.bridge}` },
        });
        hostDsts.push(`10.246.${N}.0/24`);
        const hook = labelsHook({ store: new HostRoutesStore(stateDir) });
        const ctx = await ctxFor(w, "lab-hostnet");
        assert.equal(ctx.container?.networkMode, "host");
        await assert.rejects(hook.handle(ctx), /1 networking label part/);
        assert.equal((await hostRoutes(`10.246.${N}.0/24`)).length, 0);
        assert.match(
          ctx.log.records.find((r) => r.level === "error")!.message,
          /network mode "host"/,
        );
      },
    );

    await t.step("a label prefix can be configured", async () => {
      await d.runContainer("lab-x", { labels: { "net.route": "add 10.85.0.0/16 dev eth0" } });
      const hook = labelsHook({ store: new HostRoutesStore(stateDir), labelPrefix: "net." });
      await hook.handle(await ctxFor(w, "lab-x"));
      assert.ok(dsts(await nsJson(await d.pidOf("lab-x"), "route")).includes("10.85.0.0/16"));
    });

    await t.step("a container that exits immediately causes no crash", async () => {
      await d.runContainer("lab-exit", {
        cmd: ["true"],
        labels: { "docker-events.route": "add 10.86.0.0/16 dev eth0" },
      });
      await waitFor(async () => (await client.inspect("lab-exit")).running === false);
      const hook = labelsHook({ store: new HostRoutesStore(stateDir) });
      const ctx = await ctxFor(w, "lab-exit");
      await hook.handle(ctx);
      assert.equal(hook.stats.gone, 1);
      assert.ok(ctx.log.records.some((r) => /no longer running/.test(r.message)));
      // the race: inspect said running, but the process is gone by the time we enter
      const dead = new Deno.Command("true").spawn();
      await dead.status;
      const raced = await ctxFor(w, "lab-a", "start", {
        patch: { pid: dead.pid, running: true, sandboxKey: "" },
      });
      await hook.handle(raced);
      assert.equal(hook.stats.gone, 2);
      assert.equal(hook.stats.failed, 0);
    });

    await t.step("a start script runs with the documented environment and stdin", async () => {
      const dir = await Deno.makeTempDir({ prefix: "rx-scripts-" });
      await Deno.chmod(dir, 0o755);
      try {
        const out = `${dir}/out`;
        await Deno.writeTextFile(
          `${dir}/start.lab-a`,
          `#!/bin/sh\nenv | grep ^REACTOR_ | sort > ${out}.env\ncat > ${out}.json\necho hello from script\necho oops >&2\n`,
        );
        await Deno.chmod(`${dir}/start.lab-a`, 0o755);
        const hook = scriptsHook({ scriptsDir: dir });
        const ctx = await ctxFor(w, "lab-a");
        await hook.handle(ctx);
        const env = Object.fromEntries(
          (await Deno.readTextFile(`${out}.env`)).trim().split("\n").map((l) => {
            const i = l.indexOf("=");
            return [l.slice(0, i), l.slice(i + 1)];
          }),
        );
        const c = ctx.container!;
        assert.deepEqual(env, {
          REACTOR_ACTION: "start",
          REACTOR_CONTAINER_ID: c.id,
          REACTOR_CONTAINER_IP: c.primaryIp,
          REACTOR_CONTAINER_NAME: "lab-a",
          REACTOR_CONTAINER_PID: String(await d.pidOf("lab-a")),
          REACTOR_HOST: "default",
        });
        assert.ok(c.primaryIp.startsWith(`${d.subnetPrefix}.`));
        const ev = JSON.parse(await Deno.readTextFile(`${out}.json`));
        assert.equal(ev.Actor.ID, c.id);
        assert.equal(ev.Action, "start");
        const lines = ctx.log.records.filter((r) => r.fields["stream"]);
        assert.deepEqual(lines.map((r) => [r.level, r.message, r.fields["container"]]), [
          ["info", "hello from script", "lab-a"],
          ["warn", "oops", "lab-a"],
        ]);
        // no script for this action: nothing happens
        await hook.handle(await ctxFor(w, "lab-a", "pause"));

        // unsafe directory refused as root, accepted with insecure
        await Deno.chmod(dir, 0o777);
        await assert.rejects(hook.handle(ctx), /Refusing to run .*writable by group or others/);
        await scriptsHook({ scriptsDir: dir, insecure: true }).handle(ctx);
        await Deno.chmod(dir, 0o755);

        // timeout
        await Deno.writeTextFile(`${dir}/stop.lab-a`, "#!/bin/sh\nsleep 30\n");
        await Deno.chmod(`${dir}/stop.lab-a`, 0o755);
        await assert.rejects(
          scriptsHook({ scriptsDir: dir, timeoutMs: 200 }).handle(await ctxFor(w, "lab-a", "stop")),
          (e: unknown) => e instanceof CommandError && e.reason === "timeout",
        );
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    });

    await t.step("the embedded default's hooks are labels then scripts", async () => {
      const cfg = await loadCliConfig({}, {
        config: [],
        scriptsDir: "/nonexistent",
        hostRoutes: "deny",
      }, { env: "", cwd: stateDir, etcDir: `${stateDir}/etc` });
      const hooks = configHooks(cfg, { stateDir, log: getLog(), insecure: false });
      assert.deepEqual(hooks.map((h) => h.name), ["labels", "scripts"]);
      await assert.rejects(
        () => loadCliConfig({}, { config: [], hostRoutes: "maybe" }, { env: "", cwd: stateDir }),
        /--host-routes/,
      );
    });
  } finally {
    for (const dst of hostDsts) await exec(["ip", "route", "del", dst], { okCodes: [0, 1, 2] });
    transport.close();
    await d.close();
    await Deno.remove(stateDir, { recursive: true }).catch(() => {});
  }
});
