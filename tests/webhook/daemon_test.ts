/**
 * Webhooks through the REAL daemon (`reactor run` with YAML rules that have `webhook:`) against a
 * private dockerd and HTTP endpoints started here on 127.0.0.1: a templated JSON body with
 * `${ENV}` secrets delivered, a retry after two failures, and a hung endpoint that delays no other
 * rule; deliveries counted in the metrics; no secret in the log; a bounded shutdown.
 */
import assert from "node:assert/strict";
import { startDockerd, waitFor } from "../harness/dockerd.ts";
import { type ReactorDaemon, sample, startReactor } from "../harness/reactor_daemon.ts";

const TOKEN = `tok-${crypto.randomUUID()}`;
const PATH_SECRET = `path-${crypto.randomUUID()}`;

interface Hit {
  path: string;
  method: string;
  headers: Headers;
  body: string;
}

function endpoints() {
  const hits: Record<string, Hit[]> = { notify: [], hang: [], flaky: [] };
  const release = Promise.withResolvers<void>();
  const ac = new AbortController();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    signal: ac.signal,
    onListen: () => {},
  }, async (req) => {
    const path = new URL(req.url).pathname;
    const hit = { path, method: req.method, headers: req.headers, body: await req.text() };
    const which = path.split("/")[1] ?? "";
    (hits[which] ??= []).push(hit);
    if (which === "hang") {
      await release.promise; // never answers while the test runs
      return new Response("late");
    }
    if (which === "flaky" && hits["flaky"]!.length <= 2) {
      return new Response("try again", { status: 503 });
    }
    return new Response("ok");
  });
  return {
    hits,
    base: `http://127.0.0.1:${server.addr.port}`,
    close: async () => {
      release.resolve();
      ac.abort();
      await server.finished;
    },
  };
}

Deno.test("reactor run: webhook rules deliver templated JSON, retry, and a hung endpoint delays no other rule", async (t) => {
  const d = await startDockerd();
  const ep = endpoints();
  let r: ReactorDaemon | undefined;
  const dir = await Deno.makeTempDir({ prefix: "rx-webhook-e2e-" });
  try {
    const config = `
events_reactor:
  hung:
    event: { type: container, action: start }
    webhook: { url: "${ep.base}/hang", timeout: 5m, retries: 0 }
  notify:
    event: { type: container, action: start }
    webhook:
      url: "${ep.base}/notify/\${WH_PATH}"
      headers: { Authorization: "Bearer \${WH_TOKEN}" }
      body: '{"text": "%%name%% %%action%% on %%host%%", "id": "%%id%%", "team": "%%label.team%%", "event": %%payload%%}'
  flaky:
    event: { type: container, action: start }
    webhook: { url: "${ep.base}/flaky", retries: 3 }
  touch:
    event: { type: container, action: start }
    run: ["touch", "${dir}/ran-%%name%%"]
`;
    r = await startReactor({
      dockerHost: d.host,
      config,
      args: ["--drain-timeout", "1s"],
      env: { WH_TOKEN: TOKEN, WH_PATH: PATH_SECRET },
    });
    const rd = r;
    const engine = await d.docker("info", "-f", "{{.Name}}");
    let id = "";

    await t.step(
      "the templated JSON body arrives with the header from the environment",
      async () => {
        id = await d.runContainer("wh-web", { labels: { team: "blue" } });
        await waitFor(() => ep.hits["notify"]!.length === 1, { what: "notify delivered" });
        const hit = ep.hits["notify"]![0]!;
        assert.equal(hit.method, "POST");
        assert.equal(hit.path, `/notify/${PATH_SECRET}`);
        assert.equal(hit.headers.get("authorization"), `Bearer ${TOKEN}`);
        assert.equal(hit.headers.get("content-type"), "application/json");
        const body = JSON.parse(hit.body);
        assert.equal(body.text, `wh-web start on ${engine}`);
        assert.equal(body.id, id);
        assert.equal(body.team, "blue");
        assert.equal(body.event.Actor.ID, id);
        assert.equal(body.event.Action, "start");
        assert.equal(typeof body.event.timeNano, "number");
      },
    );

    await t.step("the hung endpoint holds its delivery; the other rules went on", async () => {
      await waitFor(() => ep.hits["hang"]!.length === 1, { what: "hung request received" });
      await waitFor(() => Deno.stat(`${dir}/ran-wh-web`).then(() => true, () => false), {
        what: "the run: rule ran",
      });
      // the retried endpoint: 503, 503, then 200
      await waitFor(() => ep.hits["flaky"]!.length === 3, { what: "flaky retried twice" });
      const event = JSON.parse(ep.hits["flaky"]![2]!.body);
      assert.equal(event.Actor.ID, id, "the default body is the event JSON");
      // a second container: its deliveries do not wait for the hung one either
      await d.runContainer("wh-two");
      await waitFor(() => ep.hits["notify"]!.length === 2, { what: "second notify" });
      assert.equal(
        ep.hits["hang"]!.length,
        1,
        "the hung URL's queue waits behind its own delivery",
      );
    });

    await t.step("deliveries are counted in the metrics", async () => {
      const text = await waitFor(async () => {
        const s = await rd.scrape();
        // the endpoint saw the requests before reactor read the answers: wait for both counts
        return sample(s, `reactor_webhook_deliveries_total{rule="flaky",outcome="ok"}`) === 2 &&
            sample(s, `reactor_webhook_deliveries_total{rule="notify",outcome="ok"}`) === 2
          ? s
          : undefined;
      }, { what: "flaky and notify deliveries counted" });
      assert.ok((sample(text, `reactor_webhook_retries_total{rule="flaky"}`) ?? 0) >= 2);
      assert.equal(
        sample(text, `reactor_webhook_deliveries_total{rule="hung",outcome="ok"}`),
        undefined,
      );
      assert.equal(sample(text, "reactor_webhook_queue_depth"), 1, "wh-two's hung delivery waits");
      assert.equal(
        sample(text, `reactor_hook_runs_total{hook="rule",rule="hung",outcome="ok"}`),
        2,
      );
    });

    await t.step("SIGTERM: bounded wait for the hung delivery, no secret ever logged", async () => {
      assert.equal(await rd.stop(), 0, rd.proc.output().slice(-2000));
      r = undefined;
      const out = rd.proc.output();
      assert.match(out, /Webhook deliveries still pending after 1000 ms on shutdown/);
      assert.ok(!out.includes(TOKEN), "token logged");
      assert.ok(!out.includes(PATH_SECRET), "URL path logged");
    });
  } finally {
    await r?.kill();
    await ep.close();
    await d.close();
    await Deno.remove(dir, { recursive: true });
  }
});
