/**
 * Test harness: the real `reactor run` (`deno run -A main.ts`) against a private dockerd, with a
 * private state dir, an empty scripts dir, an optional YAML config and the metrics endpoint on a
 * port the daemon picks itself (`--metrics-listen 127.0.0.1:0`; the port is read from its log, so
 * no other process can take it in between).
 *
 * @module
 */
import { startDeno, type TestProcess } from "./process.ts";

/** Options for {@link startReactor}. */
export interface ReactorDaemonOptions {
  /** `unix:///…` of the dockerd to follow. */
  dockerHost: string;
  /** `reactor.yaml` text (none: the embedded default). */
  config?: string;
  /** Serve metrics on a free loopback port (default true). */
  metrics?: boolean;
  /** More arguments after `run`. */
  args?: string[];
  /** Extra environment. */
  env?: Record<string, string>;
  /** Reuse this directory (state, config) instead of a new one (a restart). */
  dir?: string;
}

/** A running daemon. */
export interface ReactorDaemon {
  readonly proc: TestProcess;
  /** Its private directory (`state/`, `scripts/`, `reactor.yaml`). */
  readonly dir: string;
  /** `http://127.0.0.1:<port>` of the metrics endpoint (with `metrics`). */
  readonly metricsUrl: string;
  /** `host:port` of the metrics endpoint. */
  readonly metricsAddr: string;
  /** GET `/metrics` and return the body. */
  scrape(): Promise<string>;
  /** The JSON log records so far. */
  logs(): Record<string, unknown>[];
  /** SIGTERM and wait; returns the exit code. */
  stop(): Promise<number>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
}

/** Start `reactor run`; resolves once it is connected (and serving metrics, when asked). */
export async function startReactor(opts: ReactorDaemonOptions): Promise<ReactorDaemon> {
  const dir = opts.dir ?? await Deno.makeTempDir({ prefix: "rx-daemon-" });
  await Deno.mkdir(`${dir}/scripts`, { recursive: true, mode: 0o755 });
  const args = ["--state-dir", `${dir}/state`, "--log-format", "json", "-H", opts.dockerHost];
  args.push("run", "--scripts-dir", `${dir}/scripts`);
  if (opts.config !== undefined) {
    await Deno.writeTextFile(`${dir}/reactor.yaml`, opts.config, { mode: 0o644 });
    args.push("--config", `${dir}/reactor.yaml`);
  }
  const metrics = opts.metrics ?? true;
  if (metrics) args.push("--metrics-listen", "127.0.0.1:0");
  const proc = startDeno("main.ts", [...args, ...(opts.args ?? [])], opts.env);
  const logs = () =>
    proc.output().split("\n").filter((l) => l.startsWith("{")).map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return {};
      }
    });
  try {
    await proc.waitForOutput(/Connected to/, 60_000);
    let metricsAddr = "";
    if (metrics) {
      await proc.waitForOutput(/Serving metrics on http:\/\/[^/]+\/metrics/, 30_000);
      metricsAddr = /Serving metrics on http:\/\/([^/]+)\/metrics/.exec(proc.output())![1]!;
    }
    const metricsUrl = `http://${metricsAddr}`;
    return {
      proc,
      dir,
      metricsUrl,
      metricsAddr,
      logs,
      scrape: async () => {
        const r = await fetch(`${metricsUrl}/metrics`);
        if (r.status !== 200) throw new Error(`/metrics answered ${r.status}`);
        return await r.text();
      },
      stop: async () => {
        proc.kill("SIGTERM");
        return await proc.wait();
      },
      kill: async () => {
        proc.kill("SIGKILL");
        await proc.wait();
      },
    };
  } catch (err) {
    proc.kill("SIGKILL");
    await proc.wait();
    throw err;
  }
}

/** Value of the series `name{labels}` (labels as the exposition writes them), if present. */
export function sample(text: string, series: string): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}
