/**
 * `deno task bench:modules`: what each module costs in resident memory. Every module is
 * imported alone in a fresh Deno process (after a full GC, settled), and compared with an empty
 * process measured the same way, in the same run; each figure is the median of a few processes.
 * Run: `deno run -A bench/module_rss.ts [spec …]`.
 *
 * @module
 */
import { ROOT } from "../tests/harness/process.ts";

/** What is measured by default: the daemon's path and each heavy piece on it. */
export const DEFAULT_SPECS: readonly string[] = [
  "./bench/bare_reader.ts",
  "./lib/log.ts",
  "./lib/engine/reactor.ts",
  "./lib/docker/connector.ts",
  "./hooks/mod.ts",
  "./lib/config/load.ts",
  "./lib/config/yaml.ts",
  "./lib/config/ts_runtime.ts",
  "./lib/hosts/connector.ts",
  "./lib/cli/run.ts",
  "commander",
  "yaml",
  "@logtape/logtape",
  "nunjucks",
  "ini",
  "./main.ts",
];

/** One measurement: resident set of an idle process that imported `spec` (MiB). */
export interface ModuleRss {
  spec: string;
  /** Median RSS (MiB). */
  rss: number;
  /** Median RSS minus the empty process' median (MiB). */
  delta: number;
}

/** Resident set of `pid` in MiB (NaN when it is gone). */
export async function rssOf(pid: number): Promise<number> {
  const s = await Deno.readTextFile(`/proc/${pid}/status`).catch(() => "");
  return Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? NaN) / 1024;
}

const PROBE = (specs: string[]) =>
  `${
    specs.map((s) => `await import(${JSON.stringify(s)});`).join(" ")
  } for (let i = 0; i < 3; i++) { globalThis.gc?.(); await new Promise((r) => setTimeout(r, 200)); } console.log("ready"); setInterval(() => {}, 1e6);`;

async function once(spec: string | undefined): Promise<number> {
  const file = await Deno.makeTempFile({ dir: ROOT, prefix: ".rss_probe_", suffix: ".ts" });
  // `a+b` imports both (what a combination costs)
  const specs = (spec ?? "").split("+").filter(Boolean).map((s) =>
    s.startsWith("./") ? `${ROOT}/${s.slice(2)}` : s
  );
  await Deno.writeTextFile(file, PROBE(specs));
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--expose-gc", file],
    cwd: ROOT,
    stdout: "piped",
    stderr: "null",
    stdin: "null",
  }).spawn();
  try {
    const reader = child.stdout.getReader();
    await reader.read(); // "ready"
    await new Promise((r) => setTimeout(r, 1000));
    return await rssOf(child.pid);
  } finally {
    child.kill("SIGKILL");
    await child.status;
    await Deno.remove(file);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

/** Measure every spec (and the empty process) `repeat` times; medians. */
export async function moduleRss(
  specs: readonly string[] = DEFAULT_SPECS,
  repeat = 3,
): Promise<{ empty: number; modules: ModuleRss[] }> {
  const runs = async (spec: string | undefined) => {
    const xs: number[] = [];
    for (let i = 0; i < repeat; i++) xs.push(await once(spec));
    return median(xs);
  };
  const empty = await runs(undefined);
  const modules: ModuleRss[] = [];
  for (const spec of specs) {
    const rss = await runs(spec);
    modules.push({ spec, rss, delta: rss - empty });
  }
  return { empty, modules };
}

if (import.meta.main) {
  const specs = Deno.args.length ? Deno.args : DEFAULT_SPECS;
  const { empty, modules } = await moduleRss(specs);
  const lines = [
    "| module (imported alone) | RSS | over an empty Deno process |",
    "|---|---:|---:|",
    `| (empty process) | ${empty.toFixed(1)} MiB | — |`,
    ...modules.map((m) =>
      `| \`${m.spec}\` | ${m.rss.toFixed(1)} MiB | ${m.delta >= 0 ? "+" : ""}${
        m.delta.toFixed(1)
      } MiB |`
    ),
  ];
  // deno-lint-ignore no-console
  console.log(lines.join("\n"));
}
