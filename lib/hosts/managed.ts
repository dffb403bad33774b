/**
 * A managed dockerd (seed 004 `type: managed`): reactor starts `managed.executable` (usually
 * `dockerd-rootless.sh`), streams its output into the log, health-checks `/_ping`, and stops it
 * on shutdown (SIGTERM, then SIGKILL). A daemon left running by a reactor that was SIGKILLed is
 * found through its socket, its `--pidfile` and the RootlessKit state dir, then adopted
 * (`onStale: adopt`, the default, when its socket answers) or stopped and started again
 * (`onStale: restart`, or when it does not answer). The raw RootlessKit lock error never reaches
 * the user.
 *
 * @module
 */
import { DockerClient } from "../docker/client.ts";
import { openTransport, parseEndpoint } from "../docker/endpoint.ts";
import { ReactorError } from "../errors.ts";
import { oneLine } from "../errors.ts";
import type { Log } from "../log.ts";
import { spawnChild, type SpawnedChild } from "../exec/spawn.ts";
import { sleep } from "../util/sleep.ts";
import { cmdline, dirname, exists, isAlive, parentPid, readPid, terminate } from "./procs.ts";
import type { ManagedConfig } from "./config.ts";
import { passwdEntry } from "./passwd.ts";

/** Where a managed daemon stands. */
export type ManagedState = "stopped" | "starting" | "up" | "adopted" | "failed";

/** A managed daemon failed to start or to become healthy. */
export class ManagedHostError extends ReactorError {
  constructor(message: string) {
    super(message);
    this.name = "ManagedHostError";
  }
}

/** Options for {@link ManagedDaemon}. */
export interface ManagedDaemonOptions {
  log: Log;
  spawn?: typeof spawnChild;
}

/** Default PATH for a daemon started as another user (Debian keeps the rootless script here). */
export const MANAGED_PATH = "/usr/share/docker.io/contrib:/usr/local/sbin:/usr/local/bin:" +
  "/usr/sbin:/usr/bin:/sbin:/bin";

/** Lifecycle of one managed dockerd. */
export class ManagedDaemon {
  readonly hostId: string;
  readonly socketPath: string;
  readonly cfg: ManagedConfig;
  #log: Log;
  #spawn: typeof spawnChild;
  #child: SpawnedChild | undefined;
  #adoptedPids: number[] = [];
  #state: ManagedState = "stopped";
  #starting: Promise<void> | undefined;
  #stopping = false;

  constructor(hostId: string, hostUrl: string, cfg: ManagedConfig, opts: ManagedDaemonOptions) {
    const ep = parseEndpoint(hostUrl);
    if (ep.kind !== "unix") {
      throw new ManagedHostError(
        `Managed host "${hostId}" must listen on a unix socket (got ${hostUrl})`,
      );
    }
    this.hostId = hostId;
    this.socketPath = ep.path;
    this.cfg = cfg;
    this.#log = opts.log.child({ host: hostId });
    this.#spawn = opts.spawn ?? spawnChild;
  }

  /** Current state. */
  get state(): ManagedState {
    return this.#state;
  }

  /** Pid of the process reactor started (or adopted). */
  get pid(): number | undefined {
    return this.#child?.pid ?? this.#adoptedPids[0];
  }

  /** True when the running daemon was found from an earlier run rather than started now. */
  get adopted(): boolean {
    return this.#state === "adopted";
  }

  /**
   * Make sure the daemon runs and answers `/_ping`. Idempotent; concurrent callers share one
   * start. Throws {@link ManagedHostError} with the daemon's own last output when it fails.
   */
  start(signal?: AbortSignal): Promise<void> {
    this.#starting ??= this.#start(signal).finally(() => this.#starting = undefined);
    return this.#starting;
  }

  async #start(signal?: AbortSignal): Promise<void> {
    this.#stopping = false;
    if ((this.#state === "up" && this.#child && !this.#child.exited) || this.#state === "adopted") {
      if (await this.#ping(2000)) return;
      if (this.#state === "adopted" && !this.#adoptedPids.some(isAlive)) {
        this.#adoptedPids = [];
        this.#state = "stopped";
      } else if (this.#child && !this.#child.exited) {
        // Running but not answering: let the health check below decide.
        await this.#healthCheck(this.#child, signal);
        return;
      }
    }
    this.#state = "starting";
    await this.#handleStale();
    if (this.adopted) return;
    await this.#prepareDirs();
    const child = this.#launch();
    this.#child = child;
    await this.#healthCheck(child, signal);
  }

  /** Stop the daemon: SIGTERM, then SIGKILL after `stopTimeout`. Safe to call twice. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#starting?.catch(() => {});
    const child = this.#child;
    if (child && !child.exited) {
      this.#log.info(`Stopping managed dockerd (pid ${child.pid})`);
      const how = await child.stop(this.cfg.stopTimeoutMs);
      if (how === "killed") {
        this.#log.warn(
          `Managed dockerd (pid ${child.pid}) ignored SIGTERM for ${this.cfg.stopTimeoutMs} ms and was killed`,
        );
      }
    }
    this.#child = undefined;
    if (this.#state === "adopted" && this.#adoptedPids.length === 0) {
      this.#log.warn(
        `Cannot stop the adopted managed dockerd on ${this.socketPath}: its pid is unknown (no --pidfile in managed.args, no RootlessKit --state-dir in managed.env) — it keeps running`,
      );
    }
    if (this.#adoptedPids.length) {
      this.#log.info(`Stopping adopted managed dockerd (pids ${this.#adoptedPids.join(", ")})`);
      await terminate(this.#adoptedPids, this.cfg.stopTimeoutMs);
      this.#adoptedPids = [];
    }
    this.#state = "stopped";
  }

  /** Pids of a daemon from an earlier run, found via pidfile and RootlessKit state dir. */
  async findStale(): Promise<{ pids: number[]; evidence: string[] }> {
    const pids: number[] = [];
    const evidence: string[] = [];
    if (this.cfg.rootlessStateDir) {
      const childPid = await readPid(`${this.cfg.rootlessStateDir}/child_pid`);
      if (childPid && isAlive(childPid)) {
        const parent = parentPid(childPid);
        if (parent && parent > 1 && isAlive(parent) && cmdline(parent).includes("rootlesskit")) {
          pids.push(parent);
          evidence.push(
            `RootlessKit pid ${parent} holds ${this.cfg.rootlessStateDir}/lock (child pid ${childPid})`,
          );
        }
      }
    }
    if (this.cfg.pidfile) {
      const pid = await readPid(this.cfg.pidfile);
      if (pid && isAlive(pid) && cmdline(pid).includes("dockerd")) {
        pids.push(pid);
        evidence.push(`pidfile ${this.cfg.pidfile} names live dockerd pid ${pid}`);
      } else if (pid) {
        // Dead (or reused) pid: dockerd refuses to start while /proc/<pid> exists.
        await Deno.remove(this.cfg.pidfile).catch(() => {});
        this.#log.info(`Removed stale pidfile ${this.cfg.pidfile} (pid ${pid} is not a dockerd)`);
      }
    }
    return { pids, evidence };
  }

  async #handleStale(): Promise<void> {
    const answering = await this.#ping(2000);
    const { pids, evidence } = await this.findStale();
    if (answering && this.cfg.onStale === "adopt") {
      this.#adoptedPids = pids;
      this.#state = "adopted";
      this.#log.warn(
        `Adopted managed dockerd already running on ${this.socketPath} (left by an earlier reactor run${
          evidence.length ? `; ${evidence.join("; ")}` : ""
        }); its output is not captured — set managed.onStale: restart to restart it instead`,
      );
      return;
    }
    if (!answering && pids.length === 0) return;
    this.#log.warn(
      `Stopping managed dockerd left by an earlier reactor run (${
        answering ? "onStale: restart" : "it does not answer /_ping"
      }; ${evidence.join("; ") || `socket ${this.socketPath} answers but no pid is known`})`,
    );
    if (pids.length === 0) {
      throw new ManagedHostError(
        `Managed host "${this.hostId}": a daemon answers on ${this.socketPath} but reactor cannot find its pid (no --pidfile in managed.args, no RootlessKit --state-dir in managed.env) — add --pidfile or stop it by hand`,
      );
    }
    await terminate(pids, this.cfg.stopTimeoutMs);
    if (this.cfg.pidfile) await Deno.remove(this.cfg.pidfile).catch(() => {});
  }

  async #prepareDirs(): Promise<void> {
    const owner = this.cfg.user ? passwdEntry(this.cfg.user) : undefined;
    const dirs = [dirname(this.socketPath)];
    if (this.cfg.pidfile) dirs.push(dirname(this.cfg.pidfile));
    for (const d of dirs) {
      // Create missing components one by one so each belongs to the daemon's user.
      const missing: string[] = [];
      for (let p = d; p !== "/" && !exists(p); p = dirname(p)) missing.unshift(p);
      for (const p of missing) {
        await Deno.mkdir(p, { mode: 0o700 }).catch((err) => {
          if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
        });
        if (owner) await Deno.chown(p, owner.uid, owner.gid).catch(() => {});
      }
    }
  }

  #launch(): SpawnedChild {
    const cfg = this.cfg;
    const extraEnv: Record<string, string> = {};
    for (const e of cfg.env) {
      const i = e.indexOf("=");
      extraEnv[e.slice(0, i)] = e.slice(i + 1);
    }
    let argv: string[];
    let env: Record<string, string>;
    let clearEnv = false;
    if (cfg.user) {
      const u = passwdEntry(cfg.user);
      if (!u) {
        throw new ManagedHostError(
          `Managed host "${this.hostId}": user "${cfg.user}" does not exist — create it or fix managed.user`,
        );
      }
      if (Deno.uid() !== 0 && Deno.uid() !== u.uid) {
        throw new ManagedHostError(
          `Managed host "${this.hostId}": managed.user "${cfg.user}" needs reactor to run as root`,
        );
      }
      argv = [
        "setpriv",
        `--reuid=${u.uid}`,
        `--regid=${u.gid}`,
        "--init-groups",
        "--",
        cfg.executable,
        ...cfg.args,
      ];
      const runtime = `/run/user/${u.uid}`;
      env = {
        HOME: u.home,
        USER: cfg.user,
        LOGNAME: cfg.user,
        PATH: MANAGED_PATH,
        ...(exists(runtime) ? { XDG_RUNTIME_DIR: runtime } : {}),
        ...extraEnv,
      };
      clearEnv = true;
    } else {
      argv = [resolveExecutable(cfg.executable, extraEnv["PATH"]), ...cfg.args];
      env = extraEnv;
    }
    const level = cfg.logLevel === "warning"
      ? "warn"
      : cfg.logLevel === "trace"
      ? "debug"
      : cfg.logLevel === "fatal"
      ? "error"
      : cfg.logLevel;
    const log = this.#log;
    const child = this.#spawn(argv, {
      env,
      clearEnv,
      onLine: (stream, line) => log[level](`${cfg.logPrefix}${line}`, { stream }),
    });
    this.#log.info(`Started managed dockerd (pid ${child.pid})`, { argv: argv.join(" ") });
    child.status.then((st) => {
      if (this.#child !== child) return;
      if (this.#stopping) return;
      this.#state = "failed";
      this.#log.error(
        `Managed dockerd (pid ${child.pid}) exited with code ${st.code}${
          st.signal ? ` (${st.signal})` : ""
        }; it will be started again on the next connect`,
      );
    });
    return child;
  }

  async #healthCheck(child: SpawnedChild, signal?: AbortSignal): Promise<void> {
    const { intervalMs, retries } = this.cfg.healthCheck;
    for (let attempt = 1; attempt <= retries; attempt++) {
      await sleep(intervalMs, signal);
      if (signal?.aborted) throw signal.reason;
      if (child.exited) break;
      if (await this.#ping(Math.max(intervalMs, 1000))) {
        this.#state = "up";
        this.#log.info(`Managed dockerd is up (pid ${child.pid}, attempt ${attempt}/${retries})`);
        return;
      }
      this.#log.debug(`Managed dockerd not answering yet (attempt ${attempt}/${retries})`);
    }
    const exited = child.exited;
    if (!exited) await child.stop(this.cfg.stopTimeoutMs);
    const st = await child.status;
    this.#state = "failed";
    const tail = child.stderrTail().join("\n");
    throw new ManagedHostError(
      `Managed host "${this.hostId}": ${
        exited
          ? `${this.cfg.executable} exited with code ${st.code} during start`
          : `${this.cfg.executable} did not answer /_ping on ${this.socketPath} after ${retries} checks every ${intervalMs} ms (stopped it)`
      }: ${explain(tail, this.cfg)}`,
    );
  }

  async #ping(timeoutMs: number): Promise<boolean> {
    try {
      await Deno.stat(this.socketPath);
    } catch {
      return false;
    }
    const t = await openTransport(parseEndpoint(`unix://${this.socketPath}`));
    const c = new DockerClient({ hostId: this.hostId, transport: t });
    try {
      await c.ping(AbortSignal.timeout(timeoutMs));
      return true;
    } catch {
      return false;
    } finally {
      c.close();
    }
  }
}

/** Turn known daemon start failures into an actionable line. */
function explain(tail: string, cfg: ManagedConfig): string {
  const line = oneLine(tail) || "no output";
  if (/failed to lock .*another RootlessKit/.test(tail)) {
    return `another RootlessKit still holds the state dir${
      cfg.rootlessStateDir ? ` ${cfg.rootlessStateDir}` : ""
    } and its daemon does not answer on the socket — stop it (SIGTERM the pid in <state-dir>/child_pid's parent) or use another state dir`;
  }
  if (/pid file found|process with PID \d+ is still running/.test(tail)) {
    return `another dockerd owns the pidfile ${
      cfg.pidfile ?? ""
    } — stop it or change --pidfile (${line})`;
  }
  if (/must be executed as a non-privileged user/.test(tail)) {
    return `the rootless script refuses to run as root — set managed.user to a non-root user (${line})`;
  }
  return line;
}

function resolveExecutable(exe: string, pathOverride?: string): string {
  if (exe.includes("/")) return exe;
  const path = pathOverride ?? Deno.env.get("PATH") ?? "";
  for (const dir of [...path.split(":").filter(Boolean), "/usr/share/docker.io/contrib"]) {
    if (exists(`${dir}/${exe}`)) return `${dir}/${exe}`;
  }
  return exe;
}
