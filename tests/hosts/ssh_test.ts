/**
 * `ssh://` hosts through Debian's openssh-server: a private sshd on a loopback port with its
 * own host key and authorized_keys (made by ssh-keygen here). The URL path names the remote
 * socket, so the "remote" side runs `docker --host=unix://<private dockerd> system dial-stdio`,
 * exactly as the docker CLI does.
 */
import assert from "node:assert/strict";
import { startDockerd, type TestDockerd, waitFor } from "../harness/dockerd.ts";
import { exec } from "../../lib/exec/run.ts";
import { spawnChild, type SpawnedChild } from "../../lib/exec/spawn.ts";
import { parseHostsSection } from "../../lib/hosts/config.ts";
import { createConnector, createConnectors } from "../../lib/hosts/connector.ts";
import { Reactor } from "../../lib/engine/reactor.ts";
import { openSshTransport, sshArgv } from "../../lib/hosts/ssh.ts";
import { parseEndpoint } from "../../lib/docker/endpoint.ts";
import { DockerConnectError } from "../../lib/errors.ts";
import type { ReactorEvent } from "../../lib/reactor.d.ts";
import { freePort, pumpEvents, recordingLog } from "./helpers.ts";

let d: TestDockerd | undefined;
let sshd: SpawnedChild | undefined;
let port = 0;
let createdPrivsep = false;
const tmp = await Deno.makeTempDir({ prefix: "reactor-hosts-ssh-" });
const sshdLog: string[] = [];
const startedAt = Date.now();
const tmpRoot = Deno.env.get("TMPDIR") ?? "/tmp";

function sshOpts(key = `${tmp}/id_ed25519`): string[] {
  return [
    "-F",
    "/dev/null",
    "-i",
    key,
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    `UserKnownHostsFile=${tmp}/known_hosts`,
    "-o",
    "StrictHostKeyChecking=yes",
  ];
}

Deno.test("setup: private dockerd and an sshd on 127.0.0.1 with a test key", async () => {
  try {
    await Deno.stat("/run/sshd");
  } catch {
    // sshd's privilege separation directory (Debian creates it from its init scripts).
    await Deno.mkdir("/run/sshd", { mode: 0o755 });
    createdPrivsep = true;
  }
  await exec(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", `${tmp}/host_key`]);
  await exec(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", `${tmp}/id_ed25519`]);
  await exec(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", `${tmp}/stranger`]);
  await Deno.copyFile(`${tmp}/id_ed25519.pub`, `${tmp}/authorized_keys`);
  port = freePort();
  const hostPub = (await Deno.readTextFile(`${tmp}/host_key.pub`)).trim();
  await Deno.writeTextFile(`${tmp}/known_hosts`, `[127.0.0.1]:${port} ${hostPub}\n`);
  await Deno.writeTextFile(
    `${tmp}/sshd_config`,
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${tmp}/host_key`,
      `AuthorizedKeysFile ${tmp}/authorized_keys`,
      `PidFile ${tmp}/sshd.pid`,
      "PermitRootLogin prohibit-password",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "StrictModes no",
      "LogLevel VERBOSE",
      "",
    ].join("\n"),
  );
  d = await startDockerd({ image: false });
  sshd = spawnChild(["/usr/sbin/sshd", "-D", "-e", "-f", `${tmp}/sshd_config`], {
    onLine: (_s, l) => sshdLog.push(l),
  });
  await waitFor(
    () => sshdLog.some((l) => l.includes(`Server listening on 127.0.0.1 port ${port}`)),
    {
      what: `sshd listening (log: ${sshdLog.join(" | ")})`,
    },
  );
});

Deno.test("sshArgv() builds the docker CLI's dial-stdio command", () => {
  const ep = parseEndpoint("ssh://me@box:2222/run/x.sock");
  assert.equal(ep.kind, "ssh");
  assert.deepEqual(sshArgv(ep as Extract<typeof ep, { kind: "ssh" }>, { sshArgs: ["-v"] }), [
    "ssh",
    "-l",
    "me",
    "-p",
    "2222",
    "-o",
    "ConnectTimeout=30",
    "-o",
    "BatchMode=yes",
    "-T",
    "-v",
    "--",
    "box",
    "docker",
    "--host=unix:///run/x.sock",
    "system",
    "dial-stdio",
  ]);
});

Deno.test("events arrive through the ssh transport, tagged with the ssh host id", async () => {
  const [cfg] = parseHostsSection({
    viassh: {
      type: "remote",
      host: `ssh://root@127.0.0.1:${port}${d!.socket}`,
      ssh: { args: sshOpts() },
    },
  }, { env: {}, home: "/root" });
  assert.equal(cfg!.endpoint.kind, "ssh");
  const conn = createConnector(cfg!, { log: recordingLog() });
  assert.equal(conn.local, false);
  const ac = new AbortController();
  const events: ReactorEvent[] = [];
  const errors: string[] = [];
  const pump = pumpEvents(conn, ac.signal, events, errors);
  let bridgeSocket = "";
  try {
    const docker = await conn.connect(AbortSignal.timeout(30_000));
    bridgeSocket = (docker.transport as unknown as { socketPath: string }).socketPath;
    const v = await docker.version();
    assert.ok(v.version.length > 0);
    await d!.docker("volume", "create", "over-ssh");
    await waitFor(() => events.some((e) => e.hostId === "viassh" && e.actor.id === "over-ssh"), {
      what: `volume event over ssh (errors: ${errors.join(" | ")})`,
      timeoutMs: 30_000,
    });
  } finally {
    ac.abort();
    await pump;
    await conn.close();
  }
  // The bridge socket dir and every ssh process are gone after close().
  await assert.rejects(() => Deno.stat(bridgeSocket), Deno.errors.NotFound);
  const left = await exec(["pgrep", "-f", `dial-stdio`], { okCodes: [0, 1] });
  const ours = [];
  for (const pid of left.stdout.split(/\s+/).filter(Boolean)) {
    const cmd = await Deno.readTextFile(`/proc/${pid}/cmdline`).catch(() => "");
    if (cmd.includes(d!.socket) && cmd.startsWith("ssh")) ours.push(pid);
  }
  assert.deepEqual(ours, [], "no ssh client process of this test survives close()");
});

Deno.test("Reactor follows an ssh host and leaves no ssh process behind on shutdown", async () => {
  const [cfg] = parseHostsSection({
    lab: {
      type: "remote",
      host: `ssh://root@127.0.0.1:${port}${d!.socket}`,
      ssh: { args: sshOpts() },
    },
  }, { env: {}, home: "/root" });
  const events: ReactorEvent[] = [];
  const reactor = new Reactor({
    hosts: createConnectors([cfg!], { log: recordingLog() }),
    hooks: [],
    stateDir: `${tmp}/state`,
    log: recordingLog(),
    persist: false,
    tap: (ev) => events.push(ev),
  });
  const ac = new AbortController();
  const running = reactor.run(ac.signal);
  try {
    await waitFor(() => reactor.hostStatus()[0]?.state === "up", {
      what: `ssh host up (${reactor.hostStatus()[0]?.lastError ?? ""})`,
      timeoutMs: 30_000,
    });
    await d!.docker("volume", "create", "reactor-over-ssh");
    await waitFor(
      () => events.some((e) => e.hostId === "lab" && e.actor.id === "reactor-over-ssh"),
      {
        what: "event through the Reactor over ssh",
      },
    );
  } finally {
    ac.abort();
    await running;
  }
  const left = await exec(["pgrep", "-f", `dial-stdio`], { okCodes: [0, 1] });
  const ours = [];
  for (const pid of left.stdout.split(/\s+/).filter(Boolean)) {
    const cmd = await Deno.readTextFile(`/proc/${pid}/cmdline`).catch(() => "");
    if (cmd.includes(d!.socket) && cmd.startsWith("ssh")) ours.push(pid);
  }
  assert.deepEqual(ours, [], "no ssh client process survives the Reactor's shutdown");
});

Deno.test("openSshTransport() reports ssh's own error for a key the server refuses", async () => {
  const ep = parseEndpoint(`ssh://root@127.0.0.1:${port}${d!.socket}`);
  const [cfg] = parseHostsSection({
    stranger: {
      type: "remote",
      host: ep.url,
      ssh: { args: sshOpts(`${tmp}/stranger`) },
    },
  }, { env: {}, home: "/root" });
  const conn = createConnector(cfg!, { log: recordingLog() });
  try {
    await assert.rejects(
      () => conn.connect(AbortSignal.timeout(30_000)),
      (err: unknown) => {
        assert.ok(err instanceof DockerConnectError, String(err));
        assert.match(err.message, /host "stranger"/);
        assert.match(err.message, /ssh exited with code 255: .*Permission denied \(publickey\)/);
        return true;
      },
    );
  } finally {
    await conn.close();
  }
  // A bare transport cleans its temp dir too.
  const t = await openSshTransport(ep as Extract<typeof ep, { kind: "ssh" }>, {
    log: recordingLog(),
    sshArgs: sshOpts(),
  });
  const sock = t.socketPath;
  await Deno.stat(sock);
  await t.closeAndWait();
  await assert.rejects(() => Deno.stat(sock), Deno.errors.NotFound);
});

Deno.test("no ssh bridge directory of this test run is left in the temp dir", async () => {
  const left: string[] = [];
  for await (const e of Deno.readDir(tmpRoot)) {
    if (!e.name.startsWith("reactor-ssh-")) continue;
    const st = await Deno.stat(`${tmpRoot}/${e.name}`).catch(() => undefined);
    if (st?.mtime && st.mtime.getTime() >= startedAt - 1000) left.push(e.name);
  }
  assert.deepEqual(left, []);
});

Deno.test("teardown: stop sshd and dockerd", async () => {
  if (sshd) await sshd.stop(5000);
  await d?.close();
  if (createdPrivsep) await Deno.remove("/run/sshd").catch(() => {});
  await Deno.remove(tmp, { recursive: true }).catch(() => {});
});
