/**
 * Webhook delivery against HTTP(S) servers started here on 127.0.0.1: the event JSON and
 * templated bodies arrive intact, a delivery succeeds after two failures, a hung endpoint does
 * not delay another rule, a full queue drops the oldest, failures are logged once per burst
 * without secrets, and HTTPS certificates are verified.
 */
import assert from "node:assert/strict";
import type { TemplateInput } from "../../lib/config/template.ts";
import type { ReactorEvent } from "../../lib/reactor.d.ts";
import type { Log, LogFields } from "../../lib/log.ts";
import { type DeliveryOutcome, WebhookDispatcher } from "../../lib/webhook/queue.ts";
import { validateWebhook, type WebhookSettings } from "../../lib/webhook/settings.ts";
import { waitFor } from "../harness/dockerd.ts";
import { makeCerts } from "../hosts/helpers.ts";

const TOKEN = "tok-3f9a1c7e5b";
const env = (n: string) =>
  ({ NOTIFY_TOKEN: TOKEN, HOOK_PATH: "path-secret-77aa" } as Record<string, string>)[n];

const event: ReactorEvent = {
  hostId: "edge",
  type: "container",
  action: "start",
  rawAction: "start",
  actor: { id: "c0ffee", attributes: { name: 'web "1"\nx', image: "busybox" } },
  scope: "local",
  time: 1700000000,
  timeNano: "1700000000123456789",
  synthetic: false,
  raw:
    '{"Type":"container","Action":"start","Actor":{"ID":"c0ffee","Attributes":{"image":"busybox","name":"web \\"1\\"\\nx"}},"scope":"local","time":1700000000,"timeNano":1700000000123456789}',
};
const input: TemplateInput = { event, container: undefined, host: { id: "edge", name: "edge-1" } };

interface Received {
  method: string;
  path: string;
  headers: Headers;
  body: string;
}

/** A local HTTP(S) server whose answers the test scripts. */
function startServer(
  answer: (r: Received, n: number) => Promise<Response> | Response,
  tls?: { cert: string; key: string },
  port = 0,
) {
  const received: Received[] = [];
  const ac = new AbortController();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port,
    signal: ac.signal,
    onListen: () => {},
    ...(tls ?? {}),
  }, async (req) => {
    const r = {
      method: req.method,
      path: new URL(req.url).pathname,
      headers: req.headers,
      body: await req.text(),
    };
    received.push(r);
    return await answer(r, received.length);
  });
  const scheme = tls ? "https" : "http";
  return {
    received,
    url: `${scheme}://127.0.0.1:${server.addr.port}`,
    close: async () => {
      ac.abort();
      await server.finished;
    },
  };
}

function captureLog() {
  const lines: { level: string; message: string; fields?: LogFields }[] = [];
  const log: Log = {
    debug: (message, fields) => lines.push({ level: "debug", message, fields }),
    info: (message, fields) => lines.push({ level: "info", message, fields }),
    warn: (message, fields) => lines.push({ level: "warn", message, fields }),
    error: (message, fields) => lines.push({ level: "error", message, fields }),
    child: () => log,
  };
  return { log, lines };
}

function settings(raw: Record<string, unknown>): WebhookSettings {
  const r = validateWebhook(raw, { env });
  if ("problems" in r) throw new Error(JSON.stringify(r.problems));
  return r.settings;
}

function dispatcher(extra: { capacity?: number } = {}) {
  const { log, lines } = captureLog();
  const outcomes: DeliveryOutcome[] = [];
  const d = new WebhookDispatcher({
    log,
    backoff: { baseMs: 5, capMs: 20, minMs: 1 },
    onOutcome: (o) => outcomes.push(o),
    ...extra,
  });
  return { d, lines, outcomes };
}

Deno.test("a webhook delivers the event JSON with headers from ${ENV}", async () => {
  const srv = startServer(() => new Response("ok"));
  const { d, outcomes } = dispatcher();
  try {
    d.send(
      "notify",
      settings({
        url: `${srv.url}/hook/\${HOOK_PATH}`,
        headers: { Authorization: "Bearer ${NOTIFY_TOKEN}" },
      }),
      input,
    );
    await d.idle();
    assert.equal(srv.received.length, 1);
    const r = srv.received[0]!;
    assert.equal(r.method, "POST");
    assert.equal(r.path, "/hook/path-secret-77aa");
    assert.equal(r.headers.get("authorization"), `Bearer ${TOKEN}`);
    assert.equal(r.headers.get("content-type"), "application/json");
    assert.equal(r.body, event.raw, "the raw event JSON, timeNano exact");
    assert.deepEqual(outcomes.map((o) => [o.rule, o.outcome, o.attempts, o.status]), [
      ["notify", "ok", 1, 200],
    ]);
  } finally {
    await d.close();
    await srv.close();
  }
});

Deno.test("a JSON body template arrives as valid JSON whatever the container name holds", async () => {
  const srv = startServer(() => new Response(null, { status: 204 }));
  const { d } = dispatcher();
  try {
    d.send(
      "slack",
      settings({
        url: `${srv.url}/slack`,
        method: "PUT",
        body: '{"text": "%%name%% %%action%% on %%host%%", "event": %%payload%%, "t": %%time%%}',
      }),
      input,
    );
    d.send(
      "plain",
      settings({ url: `${srv.url}/plain`, body: "%%name%% is %%action%%" }),
      input,
    );
    await d.idle();
    const byPath = Object.fromEntries(srv.received.map((r) => [r.path, r]));
    const json = JSON.parse(byPath["/slack"]!.body);
    assert.equal(byPath["/slack"]!.method, "PUT");
    assert.equal(json.text, 'web "1"\nx start on edge-1');
    assert.equal(json.event.Actor.ID, "c0ffee");
    assert.equal(json.t, 1700000000);
    assert.equal(byPath["/plain"]!.body, 'web "1"\nx is start');
    assert.equal(byPath["/plain"]!.headers.get("content-type"), "text/plain; charset=utf-8");
  } finally {
    await d.close();
    await srv.close();
  }
});

Deno.test("a webhook is retried after two failures and then delivered", async () => {
  const srv = startServer((_r, n) =>
    n <= 2 ? new Response("busy", { status: n === 1 ? 503 : 429 }) : new Response("ok")
  );
  const { d, outcomes, lines } = dispatcher();
  try {
    d.send("retry", settings({ url: `${srv.url}/r`, retries: 3 }), input);
    await d.idle();
    assert.equal(srv.received.length, 3);
    assert.deepEqual(srv.received.map((r) => r.body), [event.raw, event.raw, event.raw]);
    assert.deepEqual(outcomes.map((o) => [o.outcome, o.attempts]), [["ok", 3]]);
    assert.deepEqual(
      lines.filter((l) => l.level === "warn"),
      [],
      "a recovered delivery is no failure",
    );
  } finally {
    await d.close();
    await srv.close();
  }
});

Deno.test("a hung endpoint does not delay another rule", async () => {
  let release!: () => void;
  const released = new Promise<void>((r) => release = r);
  const hung = startServer(async () => {
    await released;
    return new Response("late");
  });
  const good = startServer(() => new Response("ok"));
  const { d, outcomes } = dispatcher();
  try {
    d.send("slow", settings({ url: `${hung.url}/x`, timeout: "60s", retries: 0 }), input);
    await waitFor(() => hung.received.length === 1, { what: "hung endpoint reached" });
    d.send("fast", settings({ url: `${good.url}/y` }), input);
    await waitFor(() => outcomes.some((o) => o.rule === "fast"), { what: "fast rule delivered" });
    assert.equal(good.received.length, 1);
    assert.deepEqual(outcomes.map((o) => `${o.rule}:${o.outcome}`), ["fast:ok"]);
    assert.ok(!outcomes.some((o) => o.rule === "slow"), "the hung delivery is still in flight");
  } finally {
    await d.close();
    release();
    await hung.close();
    await good.close();
  }
  assert.deepEqual(outcomes.map((o) => `${o.rule}:${o.outcome}`), ["fast:ok", "slow:dropped"]);
});

Deno.test("a full queue drops the oldest deliveries, counts them and logs once", async () => {
  let release!: () => void;
  const released = new Promise<void>((r) => release = r);
  const srv = startServer(async (_r, n) => {
    if (n === 1) await released;
    return new Response("ok");
  });
  const { d, outcomes, lines } = dispatcher({ capacity: 2 });
  const s = settings({ url: `${srv.url}/q`, body: "%%action%%" });
  try {
    d.send("q", s, input);
    await waitFor(() => srv.received.length === 1, { what: "first delivery in flight" });
    for (const action of ["a", "b", "c", "d"]) {
      d.send("q", s, { ...input, event: { ...event, action } });
    }
    assert.equal(d.depth, 2);
    assert.equal(outcomes.filter((o) => o.outcome === "dropped").length, 2);
    release();
    await d.idle();
    assert.deepEqual(srv.received.map((r) => r.body), ["start", "c", "d"], "the newest are kept");
    const warns = lines.filter((l) => l.level === "warn");
    assert.equal(warns.length, 1);
    assert.match(warns[0]!.message, /queue for http:\/\/127\.0\.0\.1:\d+ is full \(2\)/);
    assert.ok(lines.some((l) => /2 deliveries were dropped/.test(l.message)));
  } finally {
    release();
    await d.close();
    await srv.close();
  }
});

Deno.test("failures to a dead endpoint are logged once per burst, without secrets", async () => {
  // A port with nobody listening: connection refused at once.
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = probe.addr.port;
  probe.close();
  const { d, outcomes, lines } = dispatcher();
  const s = settings({
    url: `http://127.0.0.1:${port}/hook/\${HOOK_PATH}?sig=\${NOTIFY_TOKEN}`,
    headers: { Authorization: "Bearer ${NOTIFY_TOKEN}" },
    retries: 1,
  });
  try {
    for (let i = 0; i < 5; i++) d.send("dead", s, input);
    await d.idle();
    assert.deepEqual(outcomes.map((o) => `${o.outcome}/${o.attempts}`), Array(5).fill("failed/2"));
    const warns = lines.filter((l) => l.level === "warn");
    assert.equal(warns.length, 1, JSON.stringify(warns));
    assert.match(
      warns[0]!.message,
      /Webhook "dead" failed after 2 attempt\(s\): Cannot deliver webhook POST http:\/\/127\.0\.0\.1:\d+: /,
    );
    // The endpoint comes back on the same port: one info line closes the burst.
    const srv = startServer(() => new Response("ok"), undefined, port);
    try {
      d.send("dead", s, input);
      await d.idle();
    } finally {
      await srv.close();
    }
    assert.equal(outcomes.at(-1)!.outcome, "ok");
    const infos = lines.filter((l) => l.level === "info");
    assert.equal(infos.length, 1);
    assert.match(infos[0]!.message, /delivers again after 5 failed deliveries/);
    const all = JSON.stringify(lines);
    assert.ok(!all.includes(TOKEN), "token never logged");
    assert.ok(!all.includes("path-secret-77aa"), "URL path never logged");
  } finally {
    await d.close();
  }
});

Deno.test("HTTPS verifies certificates; a configured CA makes a private endpoint work", async () => {
  const dir = await Deno.makeTempDir({ prefix: "reactor-webhook-tls-" });
  const certs = await makeCerts(dir);
  const srv = startServer(() => new Response("ok"), {
    cert: await Deno.readTextFile(certs.serverCert),
    key: await Deno.readTextFile(certs.serverKey),
  });
  const { d, outcomes } = dispatcher();
  try {
    d.send("untrusted", settings({ url: `${srv.url}/t`, retries: 0 }), input);
    d.send("wrong-ca", settings({ url: `${srv.url}/w`, retries: 0, ca: certs.wrongCa }), input);
    d.send("trusted", settings({ url: `${srv.url}/t`, retries: 0, ca: certs.ca }), input);
    await d.idle();
    const by = Object.fromEntries(outcomes.map((o) => [o.rule, o]));
    assert.equal(by["untrusted"]!.outcome, "failed");
    assert.match(by["untrusted"]!.error!, /certificate|UnknownIssuer/i, by["untrusted"]!.error);
    assert.equal(by["wrong-ca"]!.outcome, "failed");
    assert.equal(by["trusted"]!.outcome, "ok");
    assert.deepEqual(
      srv.received.map((r) => r.path),
      ["/t"],
      "only the verified request got through",
    );
  } finally {
    await d.close();
    await srv.close();
    await Deno.remove(dir, { recursive: true });
  }
});
