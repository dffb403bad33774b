/**
 * Bench: one reactor (`probe.ts`) following many engines — private dockerds plus fake engines
 * on unix sockets, each fake sending a trickle of exec events. Event → handler latency is
 * measured on one fake engine (events stamped when written) with 1 engine and with all of them;
 * resident memory is compared after a full GC; then one engine hangs (accepts, never answers)
 * and another dies mid-run, and the latency of the healthy ones is measured again.
 *
 * @module
 */
import type { TestDockerd } from "../tests/harness/dockerd.ts";
import {
  eventLine,
  type FakeEngine,
  fakeId,
  nowNano,
  startFakeEngine,
} from "../tests/harness/fake_engine.ts";
import { type JsonChild, nanoMs, pct, progress } from "./child.ts";
import { startProbe } from "./latency.ts";
import type { Row } from "./table.ts";

/** Latency of `samples` starts written to `engine`, as the probe handled them (ms). */
async function sample(probe: JsonChild, engine: FakeEngine, samples: number): Promise<number[]> {
  const lat: number[] = [];
  for (let i = 0; i < samples; i++) {
    const id = fakeId();
    const n = nowNano();
    const after = probe.lines.length;
    engine.emit(eventLine("start", id, { name: `s${i}` }, n));
    const h = await probe.next((l) => l.t === "h" && l.id === id, { after, timeoutMs: 30_000 });
    lat.push(Number(h.at) - nanoMs(n));
    await new Promise((r) => setTimeout(r, 5 + Math.random() * 10));
  }
  return lat;
}

/** Exec noise on every fake engine, about `perSecond` events per engine per second. */
function trickle(engines: FakeEngine[], perSecond: number): () => void {
  const ids = engines.map(() => fakeId());
  const timer = setInterval(() => {
    engines.forEach((e, i) => {
      if (Math.random() < perSecond / 10) {
        e.emit(eventLine("exec_start: /bin/true", ids[i]!, { name: `noise${i}` }));
      }
    });
  }, 100);
  return () => clearInterval(timer);
}

/** Scale rows for `total` engines (the real dockerds count). */
export async function enginesBench(
  dockerds: TestDockerd[],
  total: number,
  samples: number,
): Promise<Row[]> {
  const fakes = total - dockerds.length;
  progress(`${total} engines (${dockerds.length} dockerd + ${fakes} fake), ${samples} samples`);
  const engines: FakeEngine[] = [];
  for (let i = 0; i < fakes + 1; i++) engines.push(await startFakeEngine({ name: `fake${i}` }));
  const hung = await startFakeEngine({ hang: true });
  const target = engines[0]!;
  const all = [
    ...dockerds.map((d, i) => ({ id: `dockerd${i}`, url: d.host })),
    ...engines.slice(0, fakes).map((e, i) => ({ id: `fake${i}`, url: e.host })),
  ];
  const state = await Deno.makeTempDir({ prefix: "rx-bench-eng-" });
  const stopNoise = trickle(engines.slice(1), 1);
  const opts = { needsContainer: false, actions: ["start"], verbose: true, stateDir: state };
  try {
    // 1 engine
    let probe = await startProbe({ ...opts, hosts: [{ id: "fake0", url: target.host }] });
    await sample(probe, target, Math.min(20, samples)); // warm-up
    const one = await sample(probe, target, samples);
    const rssOne = Number((await probe.stats(true)).rss);
    await probe.stop();
    // every engine
    probe = await startProbe({ ...opts, hosts: all });
    await sample(probe, target, Math.min(20, samples));
    const many = await sample(probe, target, samples);
    const rssMany = Number((await probe.stats(true)).rss);
    await probe.stop();
    // one engine hung from the start, one dies half-way
    const dying = engines[fakes]!;
    probe = await startProbe({
      ...opts,
      hosts: [
        ...all.slice(0, -2),
        { id: "dying", url: dying.host },
        { id: "hung", url: hung.host },
      ],
      minUp: all.length - 1,
    });
    await sample(probe, target, Math.min(20, samples));
    const half = Math.floor(samples / 2);
    const dead = await sample(probe, target, half);
    await dying.close();
    dead.push(...await sample(probe, target, samples - half));
    await probe.stop();
    return [
      {
        metric: `event→handler p50 with ${total} engines`,
        reactor: pct(many, 50),
        baseline: pct(one, 50),
        unit: "ms",
        baselineName: "the same reactor with 1 engine",
        target: { ratio: 1.2 },
      },
      {
        metric: `event→handler p99 with ${total} engines`,
        reactor: pct(many, 99),
        baseline: pct(one, 99),
        unit: "ms",
        baselineName: "the same reactor with 1 engine",
      },
      {
        metric: `RSS growth per engine (${total} engines vs 1)`,
        reactor: (rssMany - rssOne) / (total - 1),
        baseline: NaN,
        unit: "MiB",
        baselineName: `${rssOne.toFixed(1)} → ${rssMany.toFixed(1)} MiB after a full GC`,
        target: { max: 1 },
      },
      {
        metric: `event→handler p50, ${total} engines, one hung and one dying`,
        reactor: pct(dead, 50),
        baseline: pct(many, 50),
        unit: "ms",
        baselineName: `${total} healthy engines`,
        target: { ratio: 1.2 },
      },
    ];
  } finally {
    stopNoise();
    for (const e of engines) await e.close();
    await hung.close();
    await Deno.remove(state, { recursive: true }).catch(() => {});
  }
}
