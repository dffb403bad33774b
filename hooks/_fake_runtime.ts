/**
 * Test helper: a {@link HookRuntime} over a real Inventory and Observer, with hosts whose state
 * the test sets, and a log that keeps its records.
 *
 * @module
 */
import type { HookRuntime } from "../lib/engine/hook.ts";
import type { HostStatus } from "../lib/engine/host_state.ts";
import { Inventory } from "../lib/engine/inventory.ts";
import { type Observation, Observer } from "../lib/engine/observer.ts";
import type { Log, LogFields } from "../lib/log.ts";
import type { ContainerInfo } from "../lib/reactor.d.ts";

/** A runtime plus the handles a test drives it with. */
export interface FakeRuntime {
  rt: HookRuntime;
  inventory: Inventory;
  observed: Observation[];
  hosts: HostStatus[];
  lines: { level: string; message: string; fields?: LogFields }[];
  /** Abort `rt.signal` (the engine stops). */
  stop(): void;
}

/** A runtime with the given hosts (state `up`, engine name `engine-<id>`). */
export function fakeRuntime(hostIds: string[] = ["h1"]): FakeRuntime {
  const inventory = new Inventory();
  const observer = new Observer();
  const observed: Observation[] = [];
  observer.subscribe((o) => observed.push(o));
  const hosts: HostStatus[] = hostIds.map((id) => ({
    id,
    describe: `unix:///${id}.sock`,
    state: "up",
    engineName: `engine-${id}`,
  }));
  for (const id of hostIds) inventory.addHost(id);
  const lines: FakeRuntime["lines"] = [];
  const log: Log = {
    debug: (message, fields) => lines.push({ level: "debug", message, fields }),
    info: (message, fields) => lines.push({ level: "info", message, fields }),
    warn: (message, fields) => lines.push({ level: "warn", message, fields }),
    error: (message, fields) => lines.push({ level: "error", message, fields }),
    child: () => log,
  };
  const ac = new AbortController();
  const rt: HookRuntime = {
    engine: {
      queueDepth: () => 0,
      hosts: () => hosts.map((h) => ({ ...h })),
      stats: () => ({
        received: 0,
        duplicates: 0,
        handled: 0,
        resynced: 0,
        hookRuns: 0,
        failures: 0,
        synthetic: 0,
        deferred: 0,
      }),
    },
    inventory,
    observer,
    log,
    signal: ac.signal,
  };
  return { rt, inventory, observed, hosts, lines, stop: () => ac.abort() };
}

/** A running container of host `hostId`. */
export function runningContainer(hostId: string, name: string): ContainerInfo {
  const id = Array.from(new TextEncoder().encode(`${hostId}/${name}`.padEnd(32, "0")))
    .map((b) => b.toString(16).padStart(2, "0")).join("").slice(0, 64);
  return {
    hostId,
    id,
    name,
    image: "busybox:latest",
    imageId: "sha256:" + "b".repeat(64),
    labels: {},
    pid: 1,
    running: true,
    status: "running",
    exitCode: 0,
    health: "none",
    networks: {},
    ports: [],
    primaryIp: "",
    sandboxKey: "",
    networkMode: "bridge",
    createdAt: "2026-11-30T12:00:00Z",
    startedAt: "2026-11-30T12:00:01Z",
    finishedAt: "",
    hostname: name,
  };
}
