import assert from "node:assert/strict";
import { deliver, type FetchLike, isRetryableStatus } from "./deliver.ts";

const fast = { baseMs: 1, capMs: 2, minMs: 0 };
const req = {
  url: "https://h.example/hook/secret-token-123",
  method: "POST",
  headers: {},
  body: "{}",
};

function scripted(statuses: (number | Error)[]): { fetch: FetchLike; calls: RequestInit[] } {
  const calls: RequestInit[] = [];
  return {
    calls,
    fetch: (_url, init) => {
      calls.push(init);
      const s = statuses[Math.min(calls.length - 1, statuses.length - 1)]!;
      if (s instanceof Error) return Promise.reject(s);
      return Promise.resolve(new Response(s === 204 ? null : `status ${s}`, { status: s }));
    },
  };
}

Deno.test("deliver() retries 5xx, 429 and network errors, then succeeds", async () => {
  const f = scripted([503, 429, new TypeError("connection reset"), 204]);
  const r = await deliver(req, {
    timeoutMs: 1000,
    retries: 3,
    target: "https://h.example",
    backoff: fast,
    fetch: f.fetch,
  });
  assert.deepEqual(r, { ok: true, attempts: 4, status: 204 });
  assert.equal(f.calls[0]!.redirect, "manual");
});

Deno.test("deliver() does not retry 4xx other than 408/429, nor redirects", async () => {
  const f = scripted([404]);
  const r = await deliver(req, {
    timeoutMs: 1000,
    retries: 3,
    target: "https://h.example",
    backoff: fast,
    fetch: f.fetch,
  });
  assert.equal(r.ok, false);
  assert.equal(r.attempts, 1);
  assert.equal(r.status, 404);
  assert.equal(r.error, "Webhook POST https://h.example answered HTTP 404: status 404");
  const redirect = await deliver(req, {
    timeoutMs: 1000,
    retries: 3,
    target: "https://h.example",
    backoff: fast,
    fetch: scripted([302]).fetch,
  });
  assert.equal(redirect.attempts, 1);
  assert.match(redirect.error!, /redirect \(HTTP 302\) — use the final URL/);
});

Deno.test("deliver() gives up after the retries and scrubs the URL from the error", async () => {
  const f = scripted([new TypeError(`error sending request for url (${req.url}): refused`)]);
  const r = await deliver(req, {
    timeoutMs: 1000,
    retries: 2,
    target: "https://h.example",
    backoff: fast,
    fetch: f.fetch,
    secrets: [req.url, "secret-token-123"],
  });
  assert.equal(r.ok, false);
  assert.equal(r.attempts, 3);
  assert.ok(!r.error!.includes("secret-token-123"), r.error);
  assert.match(r.error!, /Cannot deliver webhook POST https:\/\/h\.example: .*\[redacted\]/);
});

Deno.test("deliver() times out an attempt that never answers", async () => {
  const hung: FetchLike = (_u, init) =>
    new Promise((_res, rej) =>
      init.signal!.addEventListener("abort", () => rej(new DOMException("aborted", "AbortError")))
    );
  const r = await deliver(req, {
    timeoutMs: 20,
    retries: 1,
    target: "https://h.example",
    backoff: fast,
    fetch: hung,
  });
  assert.equal(r.attempts, 2);
  assert.equal(r.error, "Webhook POST https://h.example timed out after 20ms");
});

Deno.test("deliver() stops at once when its signal aborts", async () => {
  const ac = new AbortController();
  const hung: FetchLike = (_u, init) =>
    new Promise((_res, rej) =>
      init.signal!.addEventListener("abort", () => rej(new DOMException("aborted", "AbortError")))
    );
  const p = deliver(req, {
    timeoutMs: 60_000,
    retries: 5,
    target: "https://h.example",
    fetch: hung,
    signal: ac.signal,
  });
  ac.abort();
  const r = await p;
  assert.equal(r.attempts, 1);
  assert.match(r.error!, /cancelled/);
});

Deno.test("isRetryableStatus() is true for 408, 429 and 5xx only", () => {
  assert.deepEqual([400, 401, 404, 408, 409, 429, 500, 502].map(isRetryableStatus), [
    false,
    false,
    false,
    true,
    false,
    true,
    true,
    true,
  ]);
});
