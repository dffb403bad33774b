/**
 * Config validation scales linearly: loading 60,000 YAML rules against ten times the cost of
 * loading 6,000 in the same run (a ratio near 1 is linear; a quadratic validator gives ~10).
 *
 * @module
 */
import { loadConfig } from "../lib/config/load.ts";
import { BUILTIN_HOOKS } from "../hooks/mod.ts";
import type { Row } from "./table.ts";

const SCALE = Number(Deno.env.get("BENCH_SCALE") ?? 1);

async function timeLoad(dir: string, rules: number): Promise<number> {
  const path = `${dir}/r${rules}.yaml`;
  let text = "events_reactor:\n";
  for (let i = 0; i < rules; i++) {
    text +=
      `  rule ${i}:\n    event: { action: start, actor: { name: "web-${i}-*" } }\n    run: ["/bin/echo", "%%name%%", "${i}"]\n`;
  }
  await Deno.writeTextFile(path, text);
  const t = performance.now();
  const cfg = await loadConfig([path], { registry: BUILTIN_HOOKS, hosts: { env: {}, home: "/" } });
  const ms = performance.now() - t;
  if (cfg.rules.length !== rules) throw new Error(`loaded ${cfg.rules.length} of ${rules} rules`);
  return ms;
}

/** The bench row. */
export async function bench(): Promise<Row[]> {
  const big = Math.max(1000, Math.round(60_000 * SCALE));
  const dir = await Deno.makeTempDir();
  try {
    await timeLoad(dir, 500); // warm up the parser and the validators
    const small = await timeLoad(dir, big / 10);
    const large = await timeLoad(dir, big);
    return [{
      metric: `load and validate ${big} YAML rules`,
      reactor: large,
      baseline: small * 10,
      unit: "ms",
      baselineName: `10 × loading ${big / 10} rules (1.00× = linear)`,
    }];
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
