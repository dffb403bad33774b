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
import type { ReactorEvent } from "../../lib/docker/types.ts";
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
    startDockerd({ image: false }),
    startDockerd({
      image: false,
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

Deno.test("one host killed while the other keeps delivering; it is picked up again after restart", async () => {
  const conns = createConnectors(hostsConfig(certs!.ca), {
    log: recordingLog(),
    connectTimeoutMs: 5000,
  });
  const ac = new AbortController();
  const events: ReactorEvent[] = [];
  const errors: string[] = [];
  const pumps = conns.map((c) => pumpEvents(c, ac.signal, events, errors));
  try {
    await new Promise((r) => setTimeout(r, 500));
    await tlsD!.killDaemon();
    for (let i = 0; i < 3; i++) {
      await unixD!.docker("volume", "create", `alive-${i}`);
      await waitFor(() => events.some((e) => e.hostId === "plain" && e.actor.id === `alive-${i}`), {
        what: `event alive-${i} from the surviving host`,
      });
    }
    await waitFor(() => errors.some((e) => /host "secure"|127\.0\.0\.1/.test(e)), {
      what: "the killed host's connect errors",
    });
    // The harness's killDaemon leaves exec/containerd/containerd.pid naming the killed (possibly
    // not yet reaped) containerd; dockerd then waits for it forever. Remove it before restarting.
    await Deno.remove(`${tlsD!.dir}/exec/containerd/containerd.pid`).catch(() => {});
    await tlsD!.startDaemon();
    await tlsD!.docker("volume", "create", "back-again");
    await waitFor(() => events.some((e) => e.hostId === "secure" && e.actor.id === "back-again"), {
      what: `event from the restarted TLS host (errors: ${errors.slice(-3).join(" | ")}; events ${
        events.map((e) => `${e.hostId}/${e.actor.id}`).join(",")
      })`,
      timeoutMs: 60_000,
    });
  } finally {
    ac.abort();
    await Promise.all(pumps);
    await Promise.all(conns.map((c) => c.close()));
  }
});

Deno.test("teardown: stop daemons and remove certificates", async () => {
  await Promise.all([unixD?.close(), tlsD?.close()]);
  await Deno.remove(tmp, { recursive: true }).catch(() => {});
});
