/**
 * The engine in a process of its own, for the benchmarks: the real `Reactor` following the
 * given hosts, with one bench hook that notes when it was called. It reports on stdout, one JSON
 * object per line:
 * - `{"t":"up"}` once every host is up (and `{"t":"host",…}` on every host state change);
 * - `{"t":"h","id","a","n","at","s"}` per handled container event (`verbose`), with `at` the
 *   wall-clock time in ms (sub-ms) when the hook ran;
 * - `{"t":"resync","hostId","at","running","synthesized"}` per resync;
 * - on a `stats` line on stdin: `{"t":"stats","rss","calls","starts","first","last",…}` (plus
 *   the engine counters);
 * - on a `gc` line: a full GC, then the stats.
 *
 * With `BENCH_PROFILE=<dir>` in its environment it records a CPU profile from "up" until it
 * stops, into `<dir>/probe-<pid>.cpuprofile` (summarise with `bench/profile.ts`).
 *
 * Run: `deno run -A --v8-flags=--expose-gc bench/probe.ts '<json ProbeOptions>'`.
 *
 * @module
 */
import { endpointConnector } from "../lib/docker/connector.ts";
import type { Hook } from "../lib/engine/hook.ts";
import { Reactor } from "../lib/engine/reactor.ts";
import { getLog, setupLogging } from "../lib/log.ts";
import { withCpuProfile } from "./profile.ts";

/** What the probe runs. */
export interface ProbeOptions {
  hosts: { id: string; url: string }[];
  /** The bench hook reads containers (the engine inspects for it). */
  needsContainer: boolean;
  /** Actions the hook wants (default: every container action). */
  actions?: string[];
  /** Print one line per handled event (else only counts and first/last times). */
  verbose?: boolean;
  /** Persist cursors and handled starts under `stateDir`. */
  persist?: boolean;
  stateDir: string;
  /** Check that the `seq` attribute grows per container (order kept). */
  checkOrder?: boolean;
  /** Say `up` once this many hosts are up (default: all). */
  minUp?: number;
}

function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

function out(o: Record<string, unknown>): void {
  Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(o) + "\n"));
}

function rssMiB(): number {
  const s = Deno.readTextFileSync("/proc/self/status");
  return Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? NaN) / 1024;
}

async function main(o: ProbeOptions): Promise<void> {
  setupLogging({ level: "error" });
  const counts = { calls: 0, starts: 0, first: 0, last: 0, orderViolations: 0 };
  const lastSeq = new Map<string, number>();
  const actions = o.actions ? new Set(o.actions) : undefined;
  const hook: Hook = {
    name: "bench",
    needsContainer: o.needsContainer,
    wants: (ev) =>
      ev.type === "container" && (!actions || actions.has(ev.action)) && !ev.synthetic ||
      ev.synthetic && (!actions || actions.has("start")),
    handle(ctx) {
      const at = wallMs();
      const ev = ctx.event;
      counts.calls++;
      if (ev.action === "start") counts.starts++;
      counts.first ||= at;
      counts.last = at;
      if (o.checkOrder) {
        const seq = Number(ev.actor.attributes["seq"]);
        if (Number.isFinite(seq)) {
          if (seq <= (lastSeq.get(ev.actor.id) ?? -1)) counts.orderViolations++;
          lastSeq.set(ev.actor.id, seq);
          if (ev.action === "destroy") lastSeq.delete(ev.actor.id);
        }
      }
      if (o.verbose) {
        out({ t: "h", id: ev.actor.id, a: ev.action, n: ev.timeNano, at, s: ev.synthetic });
      }
      return Promise.resolve();
    },
  };
  const reactor = new Reactor({
    hosts: o.hosts.map((h) => endpointConnector(h)),
    hooks: [hook],
    stateDir: o.stateDir,
    log: getLog(),
    persist: o.persist ?? false,
    backoff: { baseMs: 100, capMs: 2000, minMs: 50 },
  });
  reactor.observer.subscribe((ob) => {
    if (ob.kind === "resync") {
      out({
        t: "resync",
        hostId: ob.hostId,
        at: wallMs(),
        running: ob.running,
        synthesized: ob.synthesized,
      });
    } else if (ob.kind === "host") out({ t: "host", hostId: ob.hostId, state: ob.state });
  });
  const ac = new AbortController();
  Deno.addSignalListener("SIGTERM", () => ac.abort());
  const running = reactor.run(ac.signal);
  const isUp = (async () => {
    while (!ac.signal.aborted) {
      const up = reactor.hostStatus().filter((h) => h.state === "up").length;
      if (up >= (o.minUp ?? o.hosts.length)) {
        out({ t: "up", at: wallMs() });
        return;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const stats = () =>
    out({
      t: "stats",
      ...counts,
      ...reactor.stats,
      pending: reactor.pending,
      inventory: reactor.inventory.size,
      ...Object.fromEntries(
        Object.entries(Deno.memoryUsage()).map(([k, v]) => [k, v / 1048576]),
      ),
      rss: rssMiB(),
      fds: [...Deno.readDirSync("/proc/self/fd")].length,
    });
  (async () => {
    const dec = new TextDecoder();
    let buf = "";
    for await (const chunk of Deno.stdin.readable) {
      buf += dec.decode(chunk);
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        const cmd = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (cmd === "gc") {
          for (let k = 0; k < 3; k++) {
            (globalThis as { gc?: () => void }).gc?.();
            await new Promise((r) => setTimeout(r, 50));
          }
        }
        if (cmd === "stats" || cmd === "gc") stats();
        if (cmd === "stop") ac.abort();
      }
    }
  })();
  const profileDir = Deno.env.get("BENCH_PROFILE");
  if (profileDir) {
    await isUp;
    await withCpuProfile(() => running, { file: `${profileDir}/probe-${Deno.pid}.cpuprofile` });
  } else await running;
  out({ t: "stopped" });
}

if (import.meta.main) await main(JSON.parse(Deno.args[0]!) as ProbeOptions);
