/**
 * Bench: time from a container's `start` event to its label route being present inside the
 * container's netns, for reactor's labels hook vs the seed's bare shell loop
 * (`docker events` + `docker inspect` + `nsenter`), measured in the same run against the same
 * private dockerd. Run: `deno run -A bench/labels_bench.ts [samples]` (as root).
 *
 * - t0 = the `start` event's timeNano (daemon clock; same machine).
 * - t1 = the moment the route shows up in `/proc/<pid>/net/route` (polled every ~1 ms; no spawn).
 * - Samples alternate between the two approaches; each container carries only the label its
 *   approach watches, and both watchers are subscribed for the whole run (same background load).
 *
 * The reactor side is the real engine (`Reactor`, in process) running the labels hook, as
 * `reactor run` does with no config (label prefix `rx.` so the two sides never touch each other's
 * containers).
 *
 * @module
 */
// deno-lint-ignore-file no-console
import { startDockerd, type TestDockerd } from "../tests/harness/dockerd.ts";
import { type Row, table } from "./table.ts";
import { DockerClient } from "../lib/docker/client.ts";
import { openTransport, parseEndpoint } from "../lib/docker/endpoint.ts";
import { exec } from "../lib/exec/run.ts";
import { getLog, setupLogging } from "../lib/log.ts";
import { Reactor } from "../lib/engine/reactor.ts";
import { endpointConnector } from "../lib/docker/connector.ts";
import { labelsHook } from "../hooks/labels.ts";
import { HostRoutesStore } from "../lib/net/host_routes_store.ts";

const SAMPLES = Number(Deno.args[0] ?? 12);

/** `/proc/<pid>/net/route` destination for 10.90.i.0 (little-endian hex). */
function hexDst(i: number): string {
  return [0, i, 90, 10].map((b) => b.toString(16).padStart(2, "0")).join("").toUpperCase();
}

async function waitRoute(pid: number, i: number): Promise<number> {
  const want = hexDst(i);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const t = await Deno.readTextFile(`/proc/${pid}/net/route`).catch(() => "");
    if (t.split("\n").some((l) => l.split("\t")[1] === want)) return wallNs();
    await new Promise((r) => setTimeout(r, 1));
  }
  throw new Error(`route 10.90.${i}.0/24 never appeared in pid ${pid}`);
}

function wallNs(): number {
  return (performance.timeOrigin + performance.now()) * 1e6;
}

function stats(xs: number[]): { median: number; p90: number; mean: number } {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { median: q(0.5), p90: q(0.9), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

const SEED_LOOP = `
docker -H "$DOCKER_HOST_URL" events --filter type=container --filter event=start --format '{{.ID}}' |
while read id; do
  pid=$(docker -H "$DOCKER_HOST_URL" inspect --format '{{.State.Pid}}' "$id")
  value=$(docker -H "$DOCKER_HOST_URL" inspect --format '{{index .Config.Labels "seed.route"}}' "$id")
  [ -n "$value" ] || continue
  echo "$value" | tr ';' '\\n' | while read part; do
    [ -n "$part" ] && nsenter -n -t "$pid" ip route $part
  done
done
`;

/** Run against an existing private dockerd; returns rows for the bench table. */
export async function bench(d: TestDockerd, samples = SAMPLES): Promise<Row[]> {
  const transport = await openTransport(parseEndpoint(d.host));
  const client = new DockerClient({ hostId: "default", transport });
  await client.negotiate();
  const stateDir = await Deno.makeTempDir({ prefix: "rx-bench-" });
  const stop = new AbortController();
  const startNs = new Map<string, number>();
  // the real engine with the labels hook (prefix rx.), exactly as `reactor run` wires it
  const reactor = new Reactor({
    hosts: [endpointConnector({ id: "default", url: d.host })],
    hooks: [labelsHook({ store: new HostRoutesStore(stateDir), labelPrefix: "rx." })],
    stateDir,
    log: getLog({ bench: "labels" }),
  });
  const running = reactor.run(stop.signal);
  try {
    // a separate subscription only records t0 (the start event's timeNano)
    const events = await client.events({
      filters: { type: ["container"], event: ["start"] },
      signal: stop.signal,
    });
    const consume = (async () => {
      for await (const ev of events) startNs.set(ev.actor.id, Number(BigInt(ev.timeNano)));
    })().catch(() => {});
    while (reactor.hostStatus()[0]?.state !== "up") await new Promise((r) => setTimeout(r, 20));

    const seed = exec(["timeout", "-s", "TERM", "600", "sh", "-c", SEED_LOOP], {
      env: { DOCKER_HOST_URL: d.host },
      signal: stop.signal,
    }).catch(() => {});
    await new Promise((r) => setTimeout(r, 1000)); // let `docker events` subscribe

    const lat: Record<"reactor" | "seed", number[]> = { reactor: [], seed: [] };
    for (let i = 1; i <= samples * 2; i++) {
      const which = i % 2 ? "reactor" : "seed";
      const label = which === "reactor" ? "rx.route" : "seed.route";
      const id = await d.docker(
        "run",
        "-d",
        "--label",
        `${label}=add 10.90.${i}.0/24 dev eth0`,
        "busybox:latest",
        "sleep",
        "3600",
      );
      const pid = Number(await d.docker("inspect", "-f", "{{.State.Pid}}", id));
      const t1 = await waitRoute(pid, i);
      const t0 = startNs.get(id);
      if (t0 === undefined) throw new Error(`no start event seen for ${id}`);
      lat[which].push((t1 - t0) / 1e6);
      await d.docker("rm", "-f", id);
    }
    const r = stats(lat.reactor), s = stats(lat.seed);
    stop.abort();
    await Promise.allSettled([consume, seed, running]);
    return [
      {
        metric: `start event → label route in netns, median (${samples} samples)`,
        reactor: r.median,
        baseline: s.median,
        unit: "ms",
        baselineName: "seed shell loop: docker events + inspect + nsenter",
      },
      {
        metric: `start event → label route in netns, p90`,
        reactor: r.p90,
        baseline: s.p90,
        unit: "ms",
        baselineName: "seed shell loop",
      },
    ];
  } finally {
    stop.abort();
    await running.catch(() => {});
    transport.close();
    await Deno.remove(stateDir, { recursive: true }).catch(() => {});
  }
}

async function main(): Promise<void> {
  setupLogging({ level: "warning" });
  const d = await startDockerd();
  try {
    console.log(table(await bench(d)));
  } finally {
    await d.close();
  }
}

if (import.meta.main) await main();
