/**
 * Bench: a burst of 1,000 events from a fake engine (100 containers, 10 events each, one
 * chunk), dispatched by reactor (`probe.ts`, no-op hook that needs only the event) with
 * per-container order checked, against a bare reader reading the same burst. Time runs from the
 * moment the burst is written to the last hook call (the bare reader's last line).
 *
 * @module
 */
import { eventLine, fakeId, nowNano, startFakeEngine } from "../tests/harness/fake_engine.ts";
import { pct, progress, startJsonChild, wallMs } from "./child.ts";
import { startProbe } from "./latency.ts";
import type { Row } from "./table.ts";

const N = 1000;
const CONTAINERS = 100;

function burst(): string {
  const ids = Array.from({ length: CONTAINERS }, () => fakeId());
  const base = BigInt(nowNano());
  const lines: string[] = [];
  for (let i = 0; i < N; i++) {
    const id = ids[i % CONTAINERS]!;
    const action = i < CONTAINERS ? "start" : "exec_start: /bin/sh -c healthcheck";
    lines.push(
      eventLine(action, id, { name: `c${i % CONTAINERS}`, seq: String(i) }, `${base + BigInt(i)}`),
    );
  }
  return lines.join("");
}

/** Throughput rows. */
export async function throughputBench(rounds: number): Promise<Row[]> {
  progress(`burst of ${N} events from a fake engine (${rounds} rounds)`);
  const engine = await startFakeEngine();
  const state = await Deno.makeTempDir({ prefix: "rx-bench-tp-" });
  const probe = await startProbe({
    hosts: [{ id: "fake", url: engine.host }],
    needsContainer: false,
    checkOrder: true,
    stateDir: state,
  });
  const bare = startJsonChild("bench/bare_reader.ts", [engine.socket, "--count", String(N)]);
  try {
    await bare.next((l) => l.t === "up");
    const r: number[] = [], b: number[] = [];
    let calls = Number((await probe.stats()).calls);
    let violations = 0;
    for (let k = 0; k <= rounds; k++) {
      const text = burst();
      const after = bare.lines.length;
      const t0 = wallMs();
      engine.emit(text);
      const done = await bare.next((l) => l.t === "count", { after });
      let s = await probe.stats();
      while (Number(s.calls) < calls + N) {
        await new Promise((res) => setTimeout(res, 20));
        s = await probe.stats();
      }
      calls = Number(s.calls);
      violations = Number(s.orderViolations);
      if (k === 0) continue; // warm-up
      r.push(N / (Number(s.last) - t0) * 1000);
      b.push(N / (Number(done.last) - t0) * 1000);
    }
    return [
      {
        metric: `burst of ${N} events end to end, median of ${rounds} (no-op hook)`,
        reactor: pct(r, 50),
        baseline: pct(b, 50),
        unit: "ev/s",
        baselineName: "bare reader reads the burst",
        target: { min: 20_000 },
      },
      {
        metric: "per-container order violations in those bursts",
        reactor: violations,
        baseline: NaN,
        unit: "",
        baselineName: "",
        target: { max: 0 },
      },
    ];
  } finally {
    await Promise.all([probe.stop(), bare.stop()]);
    await engine.close();
    await Deno.remove(state, { recursive: true }).catch(() => {});
  }
}
