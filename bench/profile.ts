/**
 * CPU profiles for the benchmarks: record a V8 `.cpuprofile` around a piece of work (through
 * the in-process inspector, as `--cpu-prof` would) and summarise it as the functions with the
 * most self time and the most total time. Run `deno run -A bench/profile.ts <file.cpuprofile>`
 * to summarise a saved profile (Chrome DevTools opens the file too).
 *
 * @module
 */
import { Session } from "node:inspector/promises";

/** A V8 CPU profile (the parts used here). */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    hitCount?: number;
    children?: number[];
  }[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

/** Profile `fn` (sampling every `intervalUs`), save the profile to `file` when given. */
export async function withCpuProfile<T>(
  fn: () => Promise<T>,
  opts: { file?: string; intervalUs?: number } = {},
): Promise<{ result: T; profile: CpuProfile }> {
  const s = new Session();
  s.connect();
  try {
    await s.post("Profiler.enable");
    await s.post("Profiler.setSamplingInterval", { interval: opts.intervalUs ?? 100 });
    await s.post("Profiler.start");
    const result = await fn();
    const { profile } = await s.post("Profiler.stop") as { profile: CpuProfile };
    if (opts.file) await Deno.writeTextFile(opts.file, JSON.stringify(profile));
    return { result, profile };
  } finally {
    s.disconnect();
  }
}

/** One line of a summary. */
export interface ProfileLine {
  fn: string;
  selfMs: number;
  totalMs: number;
}

/** Self and total time per function (by name and location), heaviest self time first. */
export function summarize(p: CpuProfile, top = 25): { totalMs: number; lines: ProfileLine[] } {
  const samples = p.samples?.length ?? p.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0);
  const totalMs = (p.endTime - p.startTime) / 1000;
  const msPerHit = samples ? totalMs / samples : 0;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const label = (n: CpuProfile["nodes"][number]) => {
    const f = n.callFrame;
    const file = f.url.replace(/^.*\/(lib|hooks|bench|tests|ext|node)\//, "$1/");
    return `${f.functionName || "(anonymous)"} ${file ? `${file}:${f.lineNumber + 1}` : ""}`
      .trim();
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const walk = (id: number, onStack: Set<string>): number => {
    const n = byId.get(id)!;
    const name = label(n);
    const hits = n.hitCount ?? 0;
    self.set(name, (self.get(name) ?? 0) + hits);
    const nested = onStack.has(name);
    onStack.add(name);
    let sum = hits;
    for (const c of n.children ?? []) sum += walk(c, onStack);
    if (!nested) {
      onStack.delete(name);
      total.set(name, (total.get(name) ?? 0) + sum);
    }
    return sum;
  };
  const root = p.nodes[0];
  if (root) walk(root.id, new Set());
  const lines = [...self.entries()]
    .filter(([name]) => !/^\((root|program|idle)\)/.test(name))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, hits]) => ({
      fn,
      selfMs: hits * msPerHit,
      totalMs: (total.get(fn) ?? 0) * msPerHit,
    }));
  const idle = [...self.entries()].filter(([n]) => n.startsWith("(idle)"))
    .reduce((a, [, h]) => a + h, 0);
  return { totalMs: totalMs - idle * msPerHit, lines };
}

/** A summary as text (one function per line). */
export function formatSummary(s: { totalMs: number; lines: ProfileLine[] }): string {
  return [
    `busy ${s.totalMs.toFixed(1)} ms; self ms / total ms / function`,
    ...s.lines.map((l) =>
      `${l.selfMs.toFixed(1).padStart(8)} ${l.totalMs.toFixed(1).padStart(8)}  ${l.fn}`
    ),
  ].join("\n");
}

if (import.meta.main) {
  const p = JSON.parse(await Deno.readTextFile(Deno.args[0]!)) as CpuProfile;
  // deno-lint-ignore no-console
  console.log(formatSummary(summarize(p, Number(Deno.args[1] ?? 30))));
}
