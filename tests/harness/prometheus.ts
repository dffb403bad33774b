/**
 * Test harness: a private Prometheus server on a free 127.0.0.1 port with a temp data dir and a
 * scrape config for the targets given, plus `promtool check metrics`. Needs the Debian
 * `prometheus` package (it ships both programs).
 *
 * @module
 */
import { exec } from "../../lib/exec/run.ts";
import { startProcess, type TestProcess } from "./process.ts";

/** One result of an instant query. */
export interface PromSample {
  metric: Record<string, string>;
  value: number;
}

/** A running private Prometheus. */
export interface TestPrometheus {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly dir: string;
  /** Instant query through `/api/v1/query`; throws on an API error. */
  query(promql: string): Promise<PromSample[]>;
  /** Prometheus's own output so far (for failure messages). */
  output(): string;
  /** Stop it and remove its files. */
  close(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (bound, then released). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  return port;
}

const MISSING = "not found — install the Debian package `prometheus` (apt-get install prometheus)";

/**
 * Start Prometheus scraping `targets` (job name → `host:port` list) every `scrapeInterval`.
 * Always call `close()` (try/finally).
 */
export async function startPrometheus(
  opts: {
    targets: Record<string, string[]>;
    scrapeInterval?: string;
    /** A whole prometheus.yml instead of one made from `targets`. */
    config?: string;
    /** More files next to prometheus.yml (rule files), by name. */
    files?: Record<string, string>;
  },
): Promise<TestPrometheus> {
  const interval = opts.scrapeInterval ?? "1s";
  const dir = await Deno.makeTempDir({ prefix: "reactor-prom-" });
  const jobs = Object.entries(opts.targets).map(([job, hosts]) =>
    [
      `  - job_name: ${JSON.stringify(job)}`,
      `    scrape_interval: ${interval}`,
      `    scrape_timeout: ${interval}`,
      `    static_configs:`,
      `      - targets: ${JSON.stringify(hosts)}`,
    ].join("\n")
  );
  for (const [name, text] of Object.entries(opts.files ?? {})) {
    await Deno.writeTextFile(`${dir}/${name}`, text);
  }
  await Deno.writeTextFile(
    `${dir}/prometheus.yml`,
    opts.config ??
      `global:\n  scrape_interval: ${interval}\n  evaluation_interval: ${interval}\n` +
        `scrape_configs:\n${jobs.join("\n")}\n`,
  );
  let lastErr = "";
  // The port is probed free, then bound by Prometheus: another process may take it in between.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = freePort();
    let proc: TestProcess;
    try {
      proc = startProcess([
        "prometheus",
        `--config.file=${dir}/prometheus.yml`,
        `--storage.tsdb.path=${dir}/data`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--web.console.templates=",
        "--web.console.libraries=",
        "--log.level=warn",
      ]);
    } catch (err) {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      throw new Error(`Cannot start prometheus: ${(err as Error).message}; ${MISSING}`);
    }
    const url = `http://127.0.0.1:${port}`;
    const exited = proc.wait().then(() => true);
    const deadline = Date.now() + 30_000;
    let ready = false;
    while (Date.now() < deadline) {
      const ok = await fetch(`${url}/-/ready`).then(async (r) => {
        await r.body?.cancel();
        return r.ok;
      }).catch(() => false);
      if (ok) {
        ready = true;
        break;
      }
      if (await Promise.race([exited, new Promise((r) => setTimeout(() => r(false), 100))])) {
        break;
      }
    }
    if (ready) return handle(proc, url, dir);
    proc.kill("SIGKILL");
    await proc.wait();
    lastErr = proc.output().slice(-1500);
  }
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  throw new Error(`prometheus did not become ready: ${lastErr}`);
}

function handle(proc: TestProcess, url: string, dir: string): TestPrometheus {
  return {
    url,
    dir,
    output: () => proc.output(),
    query: async (promql) => {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = await res.json() as {
        status: string;
        error?: string;
        data?: {
          resultType: string;
          result: { metric: Record<string, string>; value: [number, string] }[];
        };
      };
      if (body.status !== "success" || !body.data) {
        throw new Error(`Prometheus query ${promql} failed: ${body.error ?? res.status}`);
      }
      return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    close: async () => {
      proc.kill("SIGTERM");
      const t = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      await proc.wait();
      clearTimeout(t);
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/**
 * Run `promtool check metrics` on an exposition; returns its complaints ("" when clean).
 * Throws when promtool is missing.
 */
export async function promtoolCheck(text: string): Promise<string> {
  const r = await exec(["promtool", "check", "metrics"], {
    stdin: text,
    timeoutMs: 30_000,
    okCodes: [0, 1, 3],
  }).catch((err) => {
    throw new Error(`promtool ${MISSING}: ${(err as Error).message}`);
  });
  return r.code === 0 ? "" : `${r.stdout}${r.stderr}`.trim() || `promtool exited ${r.code}`;
}
