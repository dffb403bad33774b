/**
 * Bench: from a container's `start` event to its label route being present inside the
 * container's netns, for three programs following the same private dockerd at once:
 * - reactor: the real daemon (`main.ts run`, built-in hooks, label prefix `rx.`);
 * - the limit: `limit_route.ts` (events → one inspect → `nsenter … ip route replace`, prefix
 *   `lim.`), the least any program can do for this action;
 * - the seed's shell loop (`docker events` + `docker inspect` + `nsenter`, prefix `seed.`).
 *
 * t0 is the start event's timeNano (daemon clock, same machine); t1 the moment the route shows
 * up in `/proc/<pid>/net/route` (polled every ~1 ms, no spawn). Samples rotate between the
 * three, each container carries only its own program's label.
 *
 * @module
 */
import { exec } from "../lib/exec/run.ts";
import type { TestDockerd } from "../tests/harness/dockerd.ts";
import { startDeno } from "../tests/harness/process.ts";
import { nanoMs, pct, progress, startJsonChild, wallMs } from "./child.ts";
import type { Row } from "./table.ts";

/** `/proc/<pid>/net/route` destination for 10.90.i.0 (little-endian hex). */
function hexDst(i: number): string {
  return [0, i % 250, 90 + Math.floor(i / 250), 10].map((b) => b.toString(16).padStart(2, "0"))
    .join("").toUpperCase();
}

async function waitRoute(pid: number, i: number): Promise<number> {
  const want = hexDst(i);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const t = await Deno.readTextFile(`/proc/${pid}/net/route`).catch(() => "");
    if (t.split("\n").some((l) => l.split("\t")[1] === want)) return wallMs();
    await new Promise((r) => setTimeout(r, 1));
  }
  throw new Error(`route for sample ${i} never appeared in pid ${pid}`);
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

type Who = "reactor" | "limit" | "seed";
const PREFIX: Record<Who, string> = { reactor: "rx.", limit: "lim.", seed: "seed." };

/** Run against a private dockerd; `samples` per program. */
export async function routeBench(d: TestDockerd, samples: number): Promise<Row[]> {
  progress(`start → label route: ${samples} samples each for reactor, the limit, the shell loop`);
  const state = await Deno.makeTempDir({ prefix: "rx-bench-route-" });
  const starts = startJsonChild("bench/bare_reader.ts", [d.socket, "--print"]);
  const limit = startJsonChild("bench/limit_route.ts", [d.socket, PREFIX.limit]);
  const reactor = startDeno("main.ts", [
    "-H",
    d.host,
    "--state-dir",
    state,
    "run",
    "--label-prefix",
    PREFIX.reactor,
  ]);
  const stop = new AbortController();
  const seed = exec(["timeout", "-s", "TERM", "1200", "sh", "-c", SEED_LOOP], {
    env: { DOCKER_HOST_URL: d.host },
    signal: stop.signal,
  }).catch(() => {});
  try {
    await Promise.all([starts.next((l) => l.t === "up"), limit.next((l) => l.t === "up")]);
    await reactor.waitForOutput(/Connected to/);
    await new Promise((r) => setTimeout(r, 1500)); // let `docker events` and reactor subscribe
    const lat: Record<Who, number[]> = { reactor: [], limit: [], seed: [] };
    const order: Who[] = ["reactor", "limit", "seed"];
    for (let i = 1; i <= samples * 3; i++) {
      const who = order[i % 3]!;
      const label = `${PREFIX[who]}route=add 10.${90 + Math.floor(i / 250)}.${
        i % 250
      }.0/24 dev eth0`;
      const id = await d.docker("run", "-d", "--label", label, "busybox:latest", "sleep", "3600");
      const pid = Number(await d.docker("inspect", "-f", "{{.State.Pid}}", id));
      const t1 = await waitRoute(pid, i);
      const ev = await starts.next((l) => l.t === "e" && l.a === "start" && l.id === id);
      lat[who].push(t1 - nanoMs(String(ev.n)));
      await d.docker("rm", "-f", id);
    }
    const med = (w: Who) => pct(lat[w], 50);
    return [
      {
        metric: `start → label route in netns, median (${samples} samples)`,
        reactor: med("reactor"),
        baseline: med("limit"),
        unit: "ms",
        baselineName: "limit: bare events → 1 inspect → nsenter ip route",
        target: { ratio: 1.2 },
      },
      {
        metric: "start → label route in netns, p90",
        reactor: pct(lat.reactor, 90),
        baseline: pct(lat.limit, 90),
        unit: "ms",
        baselineName: "limit",
        target: { ratio: 1.5 },
      },
      {
        metric: "start → label route in netns, median vs the shell loop",
        reactor: med("reactor"),
        baseline: med("seed"),
        unit: "ms",
        baselineName: "original shell loop: docker events + inspect + nsenter",
        target: { ratio: 0.3 },
      },
    ];
  } finally {
    stop.abort();
    reactor.kill("SIGTERM");
    await Promise.all([reactor.wait(), starts.stop(), limit.stop(), seed]);
    await Deno.remove(state, { recursive: true }).catch(() => {});
  }
}
