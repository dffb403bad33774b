/**
 * `examples/metrics`, `examples/etcd` and `examples/webhook`: each passes `reactor check`, the
 * Prometheus config and its alert rules pass `promtool check config`, and the metrics example
 * runs: the real daemon with `examples/metrics/reactor.yaml` against a private dockerd, scraped by
 * a real Prometheus started with the example's own scrape config.
 */
import assert from "node:assert/strict";
import { exec } from "../lib/exec/run.ts";
import { startDockerd, waitFor } from "./harness/dockerd.ts";
import { startDeno } from "./harness/process.ts";
import { startPrometheus, type TestPrometheus } from "./harness/prometheus.ts";
import { type ReactorDaemon, sample, startReactor } from "./harness/reactor_daemon.ts";

const EX = new URL("../examples/", import.meta.url).pathname;

async function check(file: string, env: Record<string, string> = {}) {
  const p = startDeno("main.ts", ["check", "--insecure-config", "--config", `${EX}${file}`], env);
  return { code: await p.wait(), out: p.output() };
}

Deno.test("examples/{metrics,etcd,webhook}/reactor.yaml pass reactor check", async () => {
  const metrics = await check("metrics/reactor.yaml");
  assert.equal(metrics.code, 0, metrics.out);
  assert.match(metrics.out, /hook\s+metrics\s+.*listen=127\.0\.0\.1:9323 maxNames=500/);

  const etcd = await check("etcd/reactor.yaml");
  assert.equal(etcd.code, 0, etcd.out);
  assert.match(etcd.out, /hook\s+etcd\s+.*endpoints=http:\/\/127\.0\.0\.1:2379 .*ttl=30s/);

  const webhook = await check("webhook/reactor.yaml", { NOTIFY_TOKEN: "example-token" });
  assert.equal(webhook.code, 0, webhook.out);
  assert.match(webhook.out, /rule\s+notify chat .* webhook POST https:\/\/chat\.example\.com/);
  assert.ok(!webhook.out.includes("example-token"), "the token is not shown");
  // the token comes from the environment: without it the example is refused, naming it
  const without = await exec(
    ["env", "-u", "NOTIFY_TOKEN", Deno.execPath(), "run", "-A", "main.ts", "check"].concat(
      ["--insecure-config", "--config", `${EX}webhook/reactor.yaml`],
    ),
    { okCodes: [2], cwd: new URL("..", import.meta.url).pathname },
  );
  assert.match(without.stderr, /\$\{NOTIFY_TOKEN\} is not set/);
});

Deno.test("examples/metrics/prometheus.yml and its alert rules pass promtool check config", async () => {
  const r = await exec(["promtool", "check", "config", `${EX}metrics/prometheus.yml`], {
    okCodes: [0, 1],
  });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /SUCCESS: 1 rule files found/);
  assert.match(r.stdout, /SUCCESS: \d+ rules found/);
});

Deno.test("examples/metrics runs: the daemon with its config, scraped by Prometheus with the example scrape config", async () => {
  const d = await startDockerd();
  let r: ReactorDaemon | undefined;
  let prom: TestPrometheus | undefined;
  try {
    const config = await Deno.readTextFile(`${EX}metrics/reactor.yaml`);
    // the flag wins over the file's listen: a free port instead of 9323
    r = await startReactor({ dockerHost: d.host, config });
    const rd = r;
    await d.runContainer(`ex${Deno.pid}`);
    await waitFor(async () =>
      sample(
        await rd.scrape(),
        `reactor_hook_runs_total{hook="rule",rule="log starts",outcome="ok"}`,
      ) === 1, { what: "the example's rule ran and was counted" });
    const scrape = (await Deno.readTextFile(`${EX}metrics/prometheus.yml`))
      .replace("127.0.0.1:9323", rd.metricsAddr)
      .replace("scrape_interval: 15s", "scrape_interval: 1s");
    assert.ok(scrape.includes(rd.metricsAddr));
    prom = await startPrometheus({
      targets: {},
      config: scrape,
      files: { "reactor.rules.yml": await Deno.readTextFile(`${EX}metrics/reactor.rules.yml`) },
    });
    const p = prom;
    await waitFor(async () => (await p.query('up{job="reactor"} == 1')).length === 1, {
      what: "Prometheus scrapes the example",
      timeoutMs: 30_000,
    }).catch((err) => {
      throw new Error(`${err.message}\n${p.output().slice(-2000)}`);
    });
    const starts = await waitFor(async () => {
      const res = await p.query(`reactor_container_starts_total{name="ex${Deno.pid}"}`);
      return res.length === 1 ? res : undefined;
    }, { what: "a container start in Prometheus", timeoutMs: 30_000 });
    assert.equal(starts[0]!.value, 1);
    assert.equal(await rd.stop(), 0, rd.proc.output().slice(-2000));
    r = undefined;
  } finally {
    await r?.kill();
    await prom?.close();
    await d.close();
  }
});
