/**
 * Several engines at once: a private dockerd on a unix socket and a second one with
 * `--tlsverify` on 127.0.0.1 (certificates made by openssl here). Events from both arrive at
 * the same time, tagged by host; a wrong CA and a missing client cert are refused with clear
 * errors; killing one daemon does not stop the other from delivering.
 */
import assert from "node:assert/strict";
import { startDockerd, type TestDockerd, waitFor } from "../harness/dockerd.ts";
import { parseHostsSection } from "../../lib/hosts/config.ts";
import { createConnector, createConnectors } from "../../lib/hosts/connector.ts";
import { DockerConnectError } from "../../lib/errors.ts";
import type { ReactorEvent } from "../../lib/reactor.d.ts";
import { Reactor } from "../../lib/engine/reactor.ts";
import { exec } from "../../lib/exec/run.ts";
import type { Hook } from "../../lib/engine/hook.ts";
import { freePort, makeCerts, pumpEvents, recordingLog, type TestCerts } from "./helpers.ts";

let unixD: TestDockerd | undefined;
let tlsD: TestDockerd | undefined;
let certs: TestCerts | undefined;
let port = 0;
const tmp = await Deno.makeTempDir({ prefix: "reactor-hosts-tls-" });

function hostsConfig(ca?: string, client = true) {
  return parseHostsSection({
    plain: { type: "external", host: unixD!.host },
    secure: {
      type: "remote",
      host: `https://127.0.0.1:${port}`,
      clienttls: {
        ...(ca ? { ca } : {}),
        ...(client ? { cert: certs!.clientCert, key: certs!.clientKey } : {}),
      },
    },
  }, { env: {}, home: "/root" });
}

Deno.test("setup: a unix-socket dockerd and a --tlsverify dockerd on 127.0.0.1", async () => {
  certs = await makeCerts(`${tmp}/certs`);
  port = freePort();
  [unixD, tlsD] = await Promise.all([
    startDockerd(),
    startDockerd({
      tcp: `tcp://127.0.0.1:${port}`,
      args: [
        "--tlsverify",
        "--tlscacert",
        certs.ca,
        "--tlscert",
        certs.serverCert,
        "--tlskey",
        certs.serverKey,
      ],
    }),
  ]);
});

Deno.test("connectors receive events from a unix and a TLS host at once, tagged by host", async () => {
  const log = recordingLog();
  const conns = createConnectors(hostsConfig(certs!.ca), { log });
  assert.deepEqual(conns.map((c) => [c.id, c.local]), [["plain", true], ["secure", true]]);
  const ac = new AbortController();
  const events: ReactorEvent[] = [];
  const errors: string[] = [];
  const pumps = conns.map((c) => pumpEvents(c, ac.signal, events, errors));
  try {
    const secure = await conns[1]!.connect(AbortSignal.timeout(20_000));
    assert.equal((await secure.version()).apiVersion.length > 0, true);
    await new Promise((r) => setTimeout(r, 300));
    await Promise.all([
      unixD!.docker("volume", "create", "vol-plain"),
      tlsD!.docker("volume", "create", "vol-secure"),
    ]);
    await waitFor(
      () =>
        events.some((e) => e.hostId === "plain" && e.actor.id === "vol-plain") &&
        events.some((e) => e.hostId === "secure" && e.actor.id === "vol-secure"),
      { what: `events from both hosts (got ${events.length}; errors ${errors.join(" | ")})` },
    );
    // Each event carries the host it came from, never the other one's.
    assert.equal(events.some((e) => e.hostId === "plain" && e.actor.id === "vol-secure"), false);
    assert.equal(events.some((e) => e.hostId === "secure" && e.actor.id === "vol-plain"), false);
  } finally {
    ac.abort();
    await Promise.all(pumps);
    await Promise.all(conns.map((c) => c.close()));
  }
});

Deno.test("default host from a real `docker context create` TLS context, and from DOCKER_HOST + DOCKER_TLS_VERIFY + DOCKER_CERT_PATH", async () => {
  const cfgDir = `${tmp}/docker-config`;
  await Deno.mkdir(cfgDir, { recursive: true });
  await exec([
    "docker",
    "--config",
    cfgDir,
    "context",
    "create",
    "tlsctx",
    "--docker",
    `host=tcp://127.0.0.1:${port},ca=${certs!.ca},cert=${certs!.clientCert},key=${
      certs!.clientKey
    }`,
  ]);
  const viaContext = parseHostsSection(undefined, {
    env: { DOCKER_CONFIG: cfgDir, DOCKER_CONTEXT: "tlsctx" },
    home: "/nonexistent",
  })[0]!;
  assert.equal(viaContext.host, `https://127.0.0.1:${port}`);
  assert.equal(viaContext.source, 'context "tlsctx"');
  // The CLI copied the files into its store; reactor reads them from there.
  assert.ok(viaContext.clientTls?.ca?.startsWith(`${cfgDir}/contexts/tls/`));
  // currentContext in config.json works the same way.
  await exec(["docker", "--config", cfgDir, "context", "use", "tlsctx"]);
  const viaCurrent = parseHostsSection(undefined, {
    env: { DOCKER_CONFIG: cfgDir },
    home: "/nonexistent",
  })[0]!;
  assert.equal(viaCurrent.source, 'context "tlsctx"');

  const certDir = `${tmp}/cert-path`;
  await Deno.mkdir(certDir, { recursive: true });
  await Deno.copyFile(certs!.ca, `${certDir}/ca.pem`);
  await Deno.copyFile(certs!.clientCert, `${certDir}/cert.pem`);
  await Deno.copyFile(certs!.clientKey, `${certDir}/key.pem`);
  const viaEnv = parseHostsSection(undefined, {
    env: {
      DOCKER_CONFIG: cfgDir,
      DOCKER_CONTEXT: "tlsctx",
      DOCKER_HOST: `tcp://127.0.0.1:${port}`,
      DOCKER_TLS_VERIFY: "1",
      DOCKER_CERT_PATH: certDir,
    },
    home: "/nonexistent",
  })[0]!;
  assert.equal(viaEnv.source, "DOCKER_HOST", "DOCKER_HOST beats the context");
  assert.equal(viaEnv.clientTls?.ca, `${certDir}/ca.pem`);

  for (const cfg of [viaContext, viaEnv]) {
    const conn = createConnector(cfg, { log: recordingLog() });
    try {
      const docker = await conn.connect(AbortSignal.timeout(20_000));
      assert.ok((await docker.version()).version, `connect via ${cfg.source}`);
    } finally {
      await conn.close();
    }
  }
});

Deno.test("connect() refuses a TLS daemon whose certificate is not signed by clienttls.ca", async () => {
  const conn = createConnector(hostsConfig(certs!.wrongCa)[1]!, { log: recordingLog() });
  try {
    await assert.rejects(
      () => conn.connect(AbortSignal.timeout(20_000)),
      (err: unknown) => {
        assert.ok(err instanceof DockerConnectError, String(err));
        assert.match(err.message, /host "secure"/);
        assert.match(
          err.message,
          /TLS verification failed: the daemon's certificate is not signed/,
        );
        assert.match(err.message, /UnknownIssuer/);
        assert.ok(err.message.includes(certs!.wrongCa));
        return true;
      },
    );
  } finally {
    await conn.close();
  }
});

Deno.test("connect() explains that the TLS daemon needs a client certificate", async () => {
  const conn = createConnector(hostsConfig(certs!.ca, false)[1]!, { log: recordingLog() });
  try {
    await assert.rejects(
      () => conn.connect(AbortSignal.timeout(20_000)),
      /requires a client certificate; set clienttls\.cert and clienttls\.key/,
    );
  } finally {
    await conn.close();
  }
});

Deno.test("Reactor runs hooks for both hosts with the host id on event, container and context", async () => {
  const seen: Array<{ ev: string; ctx: string; container?: string; local: boolean; name: string }> =
    [];
  const hook: Hook = {
    name: "record",
    wants: (e) => e.type === "container" && e.action === "start",
    handle: (ctx) => {
      seen.push({
        ev: ctx.event.hostId,
        ctx: ctx.host.id,
        container: ctx.container?.hostId,
        local: ctx.host.local,
        name: ctx.container?.name ?? "",
      });
      return Promise.resolve();
    },
  };
  const reactor = new Reactor({
    hosts: createConnectors(hostsConfig(certs!.ca), { log: recordingLog() }),
    hooks: [hook],
    stateDir: `${tmp}/state`,
    log: recordingLog(),
    persist: false,
  });
  const ac = new AbortController();
  const running = reactor.run(ac.signal);
  try {
    await waitFor(() => reactor.hostStatus().every((h) => h.state === "up"), {
      what: "both hosts up",
    });
    await Promise.all([unixD!.runContainer("c-plain"), tlsD!.runContainer("c-secure")]);
    await waitFor(() => seen.length >= 2, { what: "two handled starts" });
    const byName = Object.fromEntries(seen.map((s) => [s.name.replace(/^\//, ""), s]));
    assert.deepEqual(byName["c-plain"], {
      ev: "plain",
      ctx: "plain",
      container: "plain",
      local: true,
      name: byName["c-plain"]!.name,
    });
    assert.deepEqual(byName["c-secure"], {
      ev: "secure",
      ctx: "secure",
      container: "secure",
      local: true,
      name: byName["c-secure"]!.name,
    });
  } finally {
    ac.abort();
    await running;
    await Promise.all([
      unixD!.dockerRaw("rm", "-f", "c-plain"),
      tlsD!.dockerRaw("rm", "-f", "c-secure"),
    ]);
  }
});

Deno.test("Reactor: one host killed while the other keeps delivering; it comes back after restart", async () => {
  const events: ReactorEvent[] = [];
  const reactor = new Reactor({
    hosts: createConnectors(hostsConfig(certs!.ca), { log: recordingLog() }),
    hooks: [],
    stateDir: `${tmp}/state`,
    log: recordingLog(),
    persist: false,
    resync: false,
    backoff: { baseMs: 100, capMs: 500 },
    tap: (ev) => events.push(ev),
  });
  const ac = new AbortController();
  const running = reactor.run(ac.signal);
  try {
    await waitFor(() => reactor.hostStatus().every((h) => h.state === "up"), {
      what: "both hosts up",
    });
    await tlsD!.killDaemon();
    await waitFor(() => reactor.hostStatus().find((h) => h.id === "secure")?.state !== "up", {
      what: "the killed host to leave state up",
    });
    for (let i = 0; i < 3; i++) {
      await unixD!.docker("volume", "create", `alive-${i}`);
      await waitFor(() => events.some((e) => e.hostId === "plain" && e.actor.id === `alive-${i}`), {
        what: `event alive-${i} from the surviving host`,
      });
    }
    const secure = reactor.hostStatus().find((h) => h.id === "secure")!;
    assert.notEqual(secure.state, "up");
    assert.equal(reactor.hostStatus().find((h) => h.id === "plain")!.state, "up");
    // The harness's killDaemon leaves exec/containerd/containerd.pid naming the killed (possibly
    // not yet reaped) containerd; dockerd then waits for it forever. Remove it before restarting.
    await Deno.remove(`${tlsD!.dir}/exec/containerd/containerd.pid`).catch(() => {});
    await tlsD!.startDaemon();
    await waitFor(() => reactor.hostStatus().find((h) => h.id === "secure")?.state === "up", {
      what: "the restarted host to be up again",
      timeoutMs: 30_000,
    });
    await tlsD!.docker("volume", "create", "back-again");
    await waitFor(() => events.some((e) => e.hostId === "secure" && e.actor.id === "back-again"), {
      what: "event from the restarted TLS host",
    });
  } finally {
    ac.abort();
    await running;
  }
});

Deno.test("teardown: stop daemons and remove certificates", async () => {
  await Promise.all([unixD?.close(), tlsD?.close()]);
  await Deno.remove(tmp, { recursive: true }).catch(() => {});
});
