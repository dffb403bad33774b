/**
 * The seed's target: a managed ROOTLESS dockerd (`dockerd-rootless.sh`, Debian's copy under
 * /usr/share/docker.io/contrib) run as a throwaway user created here (`managed.user`, started
 * through `setpriv --reuid --regid --init-groups`). Root provisions what rootless.md §1 lists:
 * the user with subuid/subgid ranges, an ACL on /dev/net/tun, a 0700 runtime dir. Covered:
 * start, health, rootless `/info`, logs, events, stop; then the seed's known problem — the
 * owner is SIGKILLed, a blind restart hits the RootlessKit lock — solved by adoption.
 * Everything (user, home, ACL, /etc backups) is removed or restored afterwards.
 */
import assert from "node:assert/strict";
import { waitFor } from "../harness/dockerd.ts";
import { exec } from "../../lib/exec/run.ts";
import { spawnChild } from "../../lib/exec/spawn.ts";
import { type HostConfig, parseHostsSection } from "../../lib/hosts/config.ts";
import { passwdEntry } from "../../lib/hosts/passwd.ts";
import { createConnector } from "../../lib/hosts/connector.ts";
import { MANAGED_PATH } from "../../lib/hosts/managed.ts";
import { isAlive } from "../../lib/hosts/procs.ts";
import type { ReactorEvent } from "../../lib/reactor.d.ts";
import { pumpEvents, recordingLog } from "./helpers.ts";

const SCRIPT = "/usr/share/docker.io/contrib/dockerd-rootless.sh";
const starter = new URL("./fixtures/managed_starter.ts", import.meta.url).pathname;

/** Why this machine cannot run a rootless daemon, or undefined when it can. */
function whyNot(): string | undefined {
  if (Deno.uid() !== 0) {
    return "the test must run as root to create a throwaway user (rootless.md §1)";
  }
  for (
    const f of [
      SCRIPT,
      "/usr/bin/rootlesskit",
      "/usr/bin/slirp4netns",
      "/usr/bin/newuidmap",
      "/usr/bin/setfacl",
      "/usr/bin/setpriv",
      "/dev/net/tun",
    ]
  ) {
    try {
      Deno.statSync(f);
    } catch {
      return `${f} is missing (apt-get install docker.io rootlesskit slirp4netns uidmap acl)`;
    }
  }
  return undefined;
}

const reason = whyNot();
const user = `rxh${Math.floor(Math.random() * 1e6)}`;
const BACKUPS = ["passwd-", "group-", "shadow-", "gshadow-", "subuid-", "subgid-"];
const saved = new Map<string, string | null>();
let home = "";
let cfg: HostConfig | undefined;

async function sh(argv: string[], okCodes = [0]) {
  return await exec(argv, { timeoutMs: 60_000, okCodes });
}

async function userProcs(): Promise<string[]> {
  const r = await sh(["pgrep", "-u", user], [0, 1]);
  return r.stdout.split(/\s+/).filter(Boolean);
}

async function startThenKillOwner(c: HostConfig): Promise<number[]> {
  const spec = `/tmp/rt/${user}-spec.json`;
  await Deno.writeTextFile(spec, JSON.stringify({ id: c.id, host: c.host, managed: c.managed }));
  const lines: string[] = [];
  const owner = spawnChild([Deno.execPath(), "run", "-A", starter, spec], {
    onLine: (_s, l) => lines.push(l),
  });
  try {
    await waitFor(() => lines.find((l) => l.startsWith("UP ")), {
      what: `starter to report UP (output: ${lines.slice(-8).join(" | ")})`,
      timeoutMs: 60_000,
    });
    owner.kill("SIGKILL");
    await owner.status;
    return (await userProcs()).map(Number);
  } finally {
    owner.kill("SIGKILL");
    await Deno.remove(spec).catch(() => {});
  }
}

async function answers(socket: string): Promise<boolean> {
  const r = await sh(
    ["curl", "-sf", "--max-time", "2", "--unix-socket", socket, "http://x/_ping"],
    [0, 7, 22, 28, 56],
  );
  return r.code === 0;
}

if (reason) {
  Deno.test({ name: `rootless managed host — NOT RUN: ${reason}`, ignore: true, fn() {} });
} else {
  Deno.test("setup: throwaway user with subuid/subgid, tun ACL and a 0700 runtime dir", async () => {
    await Deno.mkdir("/tmp/rt", { recursive: true });
    for (const f of BACKUPS) saved.set(f, await Deno.readTextFile(`/etc/${f}`).catch(() => null));
    let added = false;
    for (let i = 0; i < 5 && !added; i++) {
      // useradd takes /etc/*.lock; retry if another test holds it.
      const r = await sh(["useradd", "-m", "-s", "/bin/sh", user], [0, 1, 10]);
      added = r.code === 0;
      if (!added) await new Promise((r) => setTimeout(r, 300));
    }
    assert.ok(added, `useradd ${user} failed`);
    const subuid = await Deno.readTextFile("/etc/subuid");
    if (!subuid.split("\n").some((l) => l.startsWith(`${user}:`))) {
      await sh([
        "usermod",
        "--add-subuids",
        "300000-365535",
        "--add-subgids",
        "300000-365535",
        user,
      ]);
    }
    await sh(["setfacl", "-m", `u:${user}:rw`, "/dev/net/tun"]);
    const pw = passwdEntry(user)!;
    home = pw.home;
    await Deno.mkdir(`${home}/xdg`, { mode: 0o700 });
    await Deno.chown(`${home}/xdg`, pw.uid, pw.gid);
    const base = "${USER_CACHE_DIR}/rdh";
    cfg = parseHostsSection({
      local: {
        type: "managed",
        host: `unix://${base}/docker.sock`,
        managed: {
          executable: "dockerd-rootless.sh",
          user,
          env: [
            `XDG_RUNTIME_DIR=${home}/xdg`,
            `DOCKERD_ROOTLESS_ROOTLESSKIT_STATE_DIR=${base}/rk`,
            `DOCKERD_ROOTLESS_ROOTLESSKIT_FLAGS=--state-dir=${base}/rk`,
          ],
          args: [
            `--data-root=${base}/data`,
            `--exec-root=${base}/exec`,
            `--pidfile=${base}/docker.pid`,
          ],
          logLevel: "info",
          logPrefix: "DOCKER HOST: ",
          healthCheck: { interval: "250ms", retries: 120 },
          stopTimeout: "20s",
        },
      },
    }, { env: {}, home: "/root" })[0]!;
    assert.equal(cfg.host, `unix://${home}/.cache/rdh/docker.sock`);
    assert.equal(cfg.managed!.rootlessStateDir, `${home}/.cache/rdh/rk`);
  });

  Deno.test("rootless managed host: start as the user, health, rootless /info, logs, events, stop", async () => {
    const log = recordingLog();
    const conn = createConnector(cfg!, { log });
    const ac = new AbortController();
    const events: ReactorEvent[] = [];
    const pump = pumpEvents(conn, ac.signal, events);
    try {
      const docker = await conn.connect(AbortSignal.timeout(90_000));
      assert.equal(conn.managed?.state, "up");
      const info = await docker.info();
      assert.equal(info.rootless, true, `SecurityOptions: ${info.securityOptions.join(",")}`);
      const pid = conn.managed!.pid!;
      const status = await Deno.readTextFile(`/proc/${pid}/status`);
      assert.match(status, new RegExp(`^Uid:\\s+${passwdEntry(user)!.uid}\\b`, "m"));
      assert.ok(
        log.lines.some((l) => l.message.startsWith("DOCKER HOST: ") && l.level === "info"),
        "rootlesskit/dockerd output is in the log with the prefix",
      );
      await sh(["docker", "-H", cfg!.host, "volume", "create", "rlvol"]);
      await waitFor(() => events.some((e) => e.hostId === "local" && e.actor.id === "rlvol"), {
        what: "event from the rootless host",
      });
    } finally {
      ac.abort();
      await pump;
      await conn.close();
    }
    assert.equal(await answers(`${home}/.cache/rdh/docker.sock`), false);
    await waitFor(async () => (await userProcs()).length === 0, {
      what: "every process of the rootless user to exit",
      timeoutMs: 20_000,
    });
  });

  Deno.test("rootless managed host: after the owner is SIGKILLed the lock holder is adopted, never a raw lock error", async () => {
    const left = await startThenKillOwner(cfg!);
    assert.ok(left.length > 0 && left.some(isAlive), "the rootless daemon outlives its owner");
    const sock = `${home}/.cache/rdh/docker.sock`;
    await waitFor(() => answers(sock), { what: "the orphaned daemon to keep answering" });
    // The seed's failure, reproduced: a blind second start hits the RootlessKit lock.
    const pw = passwdEntry(user)!;
    const m = cfg!.managed!;
    const blind = await sh([
      "setpriv",
      `--reuid=${pw.uid}`,
      `--regid=${pw.gid}`,
      "--init-groups",
      "env",
      "-i",
      `HOME=${home}`,
      `PATH=${MANAGED_PATH}`,
      ...m.env,
      "dockerd-rootless.sh",
      ...m.args,
    ], [1]);
    assert.match(blind.stderr, /failed to lock .*another RootlessKit is running/);

    const log = recordingLog();
    const conn = createConnector(cfg!, { log });
    try {
      const docker = await conn.connect(AbortSignal.timeout(60_000));
      assert.equal(conn.managed?.state, "adopted");
      assert.ok((await docker.info()).rootless);
      // Its log pipe is broken since the owner died: it must keep serving anyway.
      for (let i = 0; i < 5; i++) await docker.info();
      await sh(["docker", "-H", cfg!.host, "volume", "create", "after-adopt"]);
      assert.ok(left.filter(isAlive).length > 0);
      const warn = log.lines.find((l) => /Adopted managed dockerd/.test(l.message));
      assert.ok(warn, "adoption is logged");
      assert.match(warn.message, /RootlessKit pid \d+ holds .*rk\/lock/);
    } finally {
      await conn.close();
    }
    await waitFor(async () => !(await answers(sock)), { what: "adopted daemon to stop" });
    await waitFor(async () => {
      const procs = await userProcs();
      // Orphaned containerd-shims may ignore SIGTERM (rootless.md §6): that is not the daemon.
      for (const p of procs) {
        const cmd = await Deno.readTextFile(`/proc/${p}/cmdline`).catch(() => "");
        if (cmd.includes("containerd-shim")) await sh(["kill", "-9", p], [0, 1]);
      }
      return procs.length === 0;
    }, { what: "every process of the rootless user to exit", timeoutMs: 20_000 });
  });

  Deno.test("teardown: remove the user, its home, the tun ACL and restore /etc backups", async () => {
    for (const p of await userProcs()) await sh(["kill", "-9", p], [0, 1]);
    await waitFor(async () => (await userProcs()).length === 0, { timeoutMs: 10_000 }).catch(
      () => {},
    );
    await sh(["setfacl", "-x", `u:${user}`, "/dev/net/tun"], [0, 1]);
    // -x leaves a "mask::" entry; drop all extended entries when no other user/group has one.
    const rest = await sh(["getfacl", "-p", "-c", "/dev/net/tun"]);
    if (!/^(user|group):[^:]+:/m.test(rest.stdout)) await sh(["setfacl", "-b", "/dev/net/tun"]);
    for (let i = 0; i < 5; i++) {
      const r = await sh(["userdel", "-r", user], [0, 6, 10, 12]);
      if (r.code !== 10) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    for (const f of ["subuid", "subgid"]) {
      const t = await Deno.readTextFile(`/etc/${f}`);
      const kept = t.split("\n").filter((l) => !l.startsWith(`${user}:`)).join("\n");
      if (kept !== t) await Deno.writeTextFile(`/etc/${f}`, kept);
    }
    for (const [f, content] of saved) {
      if (content === null) await Deno.remove(`/etc/${f}`).catch(() => {});
      else await Deno.writeTextFile(`/etc/${f}`, content);
    }
    assert.equal(passwdEntry(user), undefined);
    const acl = await sh(["getfacl", "-p", "/dev/net/tun"]);
    assert.doesNotMatch(acl.stdout, new RegExp(`user:${user}:`));
    assert.doesNotMatch(acl.stdout, /^mask::/m);
  });
}
