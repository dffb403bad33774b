/**
 * Managed hosts with a rootful dockerd in private dirs (the rootless variant is in
 * rootless_test.ts): start, health check, output in the log with the prefix, events, stop,
 * and the seed's known problem — the daemon outliving a SIGKILLed reactor — solved by adoption
 * or by `onStale: restart`. Start failures name the cause instead of a raw lock error.
 */
import assert from "node:assert/strict";
import { waitFor } from "../harness/dockerd.ts";
import { exec } from "../../lib/exec/run.ts";
import { spawnChild } from "../../lib/exec/spawn.ts";
import { type HostConfig, parseHostsSection } from "../../lib/hosts/config.ts";
import { createConnector, createConnectors } from "../../lib/hosts/connector.ts";
import { Reactor } from "../../lib/engine/reactor.ts";
import { ManagedDaemon, ManagedHostError } from "../../lib/hosts/managed.ts";
import { isAlive } from "../../lib/hosts/procs.ts";
import type { ReactorEvent } from "../../lib/reactor.d.ts";
import { pumpEvents, recordingLog } from "./helpers.ts";

await Deno.mkdir("/tmp/rt", { recursive: true });
const dir = await Deno.makeTempDir({ dir: "/tmp/rt", prefix: "m" });
const starter = new URL("./fixtures/managed_starter.ts", import.meta.url).pathname;

function config(extra: Record<string, unknown> = {}): HostConfig {
  return parseHostsSection({
    mgd: {
      type: "managed",
      host: `unix://${dir}/docker.sock`,
      managed: {
        executable: "dockerd",
        args: [
          "--data-root",
          `${dir}/data`,
          "--exec-root",
          `${dir}/exec`,
          `--pidfile=${dir}/docker.pid`,
          "--bridge=none",
          "--iptables=false",
          "--ip-forward=false",
          "--ip-masq=false",
          "--debug",
        ],
        logLevel: "info",
        logPrefix: "MGD: ",
        healthCheck: { interval: "200ms", retries: 150 },
        stopTimeout: "20s",
        ...extra,
      },
    },
  }, { env: {}, home: "/root" })[0]!;
}

/** Start the daemon from a separate process, then SIGKILL that process (not the daemon). */
async function startThenKillOwner(cfg: HostConfig): Promise<number> {
  const spec = `${dir}/spec.json`;
  await Deno.writeTextFile(
    spec,
    JSON.stringify({ id: cfg.id, host: cfg.host, managed: cfg.managed }),
  );
  const lines: string[] = [];
  const owner = spawnChild([Deno.execPath(), "run", "-A", starter, spec], {
    onLine: (_s, l) => lines.push(l),
  });
  try {
    const up = await waitFor(() => lines.find((l) => l.startsWith("UP ")), {
      what: `starter to report UP (output: ${lines.slice(-5).join(" | ")})`,
      timeoutMs: 60_000,
    });
    owner.kill("SIGKILL");
    await owner.status;
    return Number(up.slice(3));
  } finally {
    owner.kill("SIGKILL");
  }
}

async function socketAnswers(): Promise<boolean> {
  const r = await exec(
    ["curl", "-sf", "--max-time", "2", "--unix-socket", `${dir}/docker.sock`, "http://x/_ping"],
    { okCodes: [0, 7, 22, 28, 56] },
  );
  return r.code === 0;
}

Deno.test("managed host: start, health, logs with prefix, events, stop", async () => {
  const log = recordingLog();
  const conn = createConnector(config(), { log });
  const ac = new AbortController();
  const events: ReactorEvent[] = [];
  const pump = pumpEvents(conn, ac.signal, events);
  let pid = 0;
  try {
    const docker = await conn.connect(AbortSignal.timeout(60_000));
    assert.equal(conn.managed?.state, "up");
    pid = conn.managed!.pid!;
    assert.ok(isAlive(pid));
    assert.equal(Number((await Deno.readTextFile(`${dir}/docker.pid`)).trim()), pid);
    assert.ok((await docker.info()).serverVersion);
    const daemonLines = log.lines.filter((l) => l.message.startsWith("MGD: "));
    assert.ok(daemonLines.length > 0, "dockerd output reaches the log with the prefix");
    assert.ok(daemonLines.every((l) => l.level === "info" && l.fields["host"] === "mgd"));
    assert.ok(log.lines.some((l) => /Managed dockerd is up/.test(l.message)));
    await exec(["docker", "-H", `unix://${dir}/docker.sock`, "volume", "create", "mvol"]);
    await waitFor(() => events.some((e) => e.hostId === "mgd" && e.actor.id === "mvol"), {
      what: "event from the managed host",
    });
  } finally {
    ac.abort();
    await pump;
    await conn.close();
  }
  assert.equal(conn.managed?.state, "stopped");
  assert.equal(isAlive(pid), false, "dockerd stopped on close()");
  assert.equal(await socketAnswers(), false);
  await assert.rejects(() => Deno.stat(`${dir}/docker.pid`), Deno.errors.NotFound);
});

Deno.test("managed host: a daemon left by a SIGKILLed owner is adopted, then stopped", async () => {
  const cfg = config();
  const pid = await startThenKillOwner(cfg);
  assert.ok(isAlive(pid), "the daemon outlives its killed owner (the seed's known problem)");
  assert.ok(await socketAnswers());
  // What the seed's reactor did: start it again blindly. dockerd refuses (its pidfile is live).
  const blind = await exec(["dockerd", ...cfg.managed!.args], { okCodes: [1], timeoutMs: 30_000 });
  assert.match(blind.stderr, /pid file found|is still running/);

  const log = recordingLog();
  const conn = createConnector(cfg, { log });
  try {
    const docker = await conn.connect(AbortSignal.timeout(60_000));
    assert.equal(conn.managed?.state, "adopted");
    assert.equal(conn.managed?.pid, pid);
    assert.ok((await docker.version()).version);
    // The orphan's stdout/stderr pipe is broken now; with --debug every request makes it write
    // a log line. It must keep serving (Go ignores SIGPIPE only where dockerd asks it to).
    for (let i = 0; i < 5; i++) await docker.info();
    await exec(["docker", "-H", `unix://${dir}/docker.sock`, "volume", "create", "after-adopt"]);
    assert.ok(isAlive(pid), "the adopted daemon survives writing to its broken log pipe");
    assert.ok(
      log.lines.some((l) => l.level === "warn" && /Adopted managed dockerd/.test(l.message)),
    );
  } finally {
    await conn.close();
  }
  assert.equal(isAlive(pid), false, "the adopted daemon is stopped on close()");
  assert.equal(await socketAnswers(), false);
});

Deno.test("managed host: onStale restart stops the orphan and starts a fresh daemon", async () => {
  const cfg = config({ onStale: "restart" });
  const old = await startThenKillOwner(cfg);
  assert.ok(isAlive(old));
  const log = recordingLog();
  const daemon = new ManagedDaemon(cfg.id, cfg.host, cfg.managed!, { log });
  try {
    await daemon.start(AbortSignal.timeout(60_000));
    assert.equal(daemon.state, "up");
    assert.notEqual(daemon.pid, old);
    assert.equal(isAlive(old), false, "the orphan was stopped");
    assert.ok(
      log.lines.some((l) =>
        /Stopping managed dockerd left by an earlier reactor run/.test(l.message)
      ),
    );
    assert.ok(await socketAnswers());
  } finally {
    await daemon.stop();
  }
  assert.equal(await socketAnswers(), false);
});

Deno.test("managed host: a stale pidfile naming a dead pid does not block the start", async () => {
  await Deno.writeTextFile(`${dir}/docker.pid`, "999999");
  const daemon = new ManagedDaemon("mgd", config().host, config().managed!, {
    log: recordingLog(),
  });
  try {
    await daemon.start(AbortSignal.timeout(60_000));
    assert.equal(daemon.state, "up");
  } finally {
    await daemon.stop();
  }
});

Deno.test("managed host: a daemon that never answers fails after healthCheck.retries, with its output", async () => {
  const cfg = parseHostsSection({
    bad: {
      type: "managed",
      host: `unix://${dir}/never.sock`,
      managed: {
        executable: "/bin/sh",
        args: ["-c", "echo warming up; exec sleep 60"],
        logPrefix: "BAD: ",
        logLevel: "warning",
        healthCheck: { interval: "100ms", retries: 3 },
        stopTimeout: "2s",
      },
    },
  }, { env: {}, home: "/root" })[0]!;
  const log = recordingLog();
  const daemon = new ManagedDaemon(cfg.id, cfg.host, cfg.managed!, { log });
  await assert.rejects(
    () => daemon.start(),
    (err: unknown) => {
      assert.ok(err instanceof ManagedHostError);
      assert.match(
        err.message,
        /did not answer \/_ping on .*never\.sock after 3 checks every 100 ms/,
      );
      return true;
    },
  );
  assert.ok(log.lines.some((l) => l.level === "warn" && l.message === "BAD: warming up"));
  assert.equal(daemon.state, "failed");
});

Deno.test("managed host: a RootlessKit lock failure is explained, not passed through raw", async () => {
  const cfg = parseHostsSection({
    rk: {
      type: "managed",
      host: `unix://${dir}/rk.sock`,
      managed: {
        executable: "/bin/sh",
        args: [
          "-c",
          "echo '[rootlesskit:parent] error: failed to lock /x/rk/lock, another RootlessKit is running with the same state directory?' >&2; exit 1",
        ],
        env: ["DOCKERD_ROOTLESS_ROOTLESSKIT_FLAGS=--state-dir=/x/rk"],
        healthCheck: { interval: "100ms", retries: 20 },
      },
    },
  }, { env: {}, home: "/root" })[0]!;
  const daemon = new ManagedDaemon(cfg.id, cfg.host, cfg.managed!, { log: recordingLog() });
  await assert.rejects(() => daemon.start(), (err: unknown) => {
    assert.ok(err instanceof ManagedHostError);
    assert.match(
      err.message,
      /exited with code 1 during start: another RootlessKit still holds the state dir \/x\/rk/,
    );
    assert.doesNotMatch(err.message, /failed to lock/);
    return true;
  });
});

Deno.test("managed host under the Reactor: started on run, events flow, stopped on shutdown", async () => {
  const conns = createConnectors([config()], { log: recordingLog() });
  const events: ReactorEvent[] = [];
  const reactor = new Reactor({
    hosts: conns,
    hooks: [],
    stateDir: `${dir}/state`,
    log: recordingLog(),
    persist: false,
    resync: false,
    tap: (ev) => events.push(ev),
  });
  const ac = new AbortController();
  const running = reactor.run(ac.signal);
  let pid = 0;
  try {
    await waitFor(() => reactor.hostStatus()[0]?.state === "up", {
      what: "managed host up under the Reactor",
      timeoutMs: 60_000,
    });
    pid = conns[0]!.managed!.pid!;
    await exec(["docker", "-H", `unix://${dir}/docker.sock`, "volume", "create", "rvol"]);
    await waitFor(() => events.some((e) => e.hostId === "mgd" && e.actor.id === "rvol"), {
      what: "event from the managed host through the Reactor",
    });
  } finally {
    ac.abort();
    await running;
  }
  assert.equal(isAlive(pid), false, "Reactor shutdown stopped the managed daemon");
  assert.equal(await socketAnswers(), false);
});

Deno.test("teardown: remove the managed host's files", async () => {
  const mounts = await Deno.readTextFile("/proc/mounts").catch(() => "");
  for (const line of mounts.split("\n").reverse()) {
    const mp = line.split(" ")[1];
    if (mp?.startsWith(`${dir}/`)) await exec(["umount", "-l", mp], { okCodes: [0, 1, 32] });
  }
  await Deno.remove(dir, { recursive: true }).catch(() => {});
});
