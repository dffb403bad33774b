import assert from "node:assert/strict";
import { describeWebhook, expandEnv, validateWebhook, type WebhookSettings } from "./settings.ts";

const ENV: Record<string, string> = { TOKEN: "s3cr3t-t0ken", SLACK_PATH: "T0/B0/abcdefghijk" };
const env = (n: string) => ENV[n];

function ok(raw: unknown): { settings: WebhookSettings; warnings: { message: string }[] } {
  const r = validateWebhook(raw, { env });
  if ("problems" in r) throw new Error(JSON.stringify(r.problems));
  return r;
}
function problems(raw: unknown) {
  const r = validateWebhook(raw, { env });
  assert.ok("problems" in r, "expected problems");
  return r.problems;
}

Deno.test("validateWebhook() fills defaults: POST, JSON event body, 10 s, 3 retries", () => {
  const { settings, warnings } = ok({ url: "https://hooks.example.com/x" });
  assert.equal(settings.method, "POST");
  assert.equal(settings.body, undefined);
  assert.deepEqual(settings.headers, { "content-type": "application/json" });
  assert.equal(settings.timeoutMs, 10_000);
  assert.equal(settings.retries, 3);
  assert.equal(settings.target, "https://hooks.example.com");
  assert.deepEqual(warnings, []);
});

Deno.test("validateWebhook() expands ${ENV} in url and headers and keeps them as secrets", () => {
  const { settings } = ok({
    url: "https://hooks.example.com/services/${SLACK_PATH}",
    headers: { Authorization: "Bearer ${TOKEN}", "X-Literal": "$${NOT_EXPANDED}" },
    method: "put",
    timeout: "2s",
    retries: 0,
    body: "%%name%% %%action%%",
  });
  assert.equal(settings.url, "https://hooks.example.com/services/T0/B0/abcdefghijk");
  assert.equal(settings.headers["authorization"], "Bearer s3cr3t-t0ken");
  assert.equal(settings.headers["x-literal"], "${NOT_EXPANDED}");
  assert.equal(settings.headers["content-type"], "text/plain; charset=utf-8");
  assert.equal(settings.method, "PUT");
  assert.equal(settings.timeoutMs, 2000);
  assert.equal(settings.retries, 0);
  assert.ok(settings.secrets.includes("Bearer s3cr3t-t0ken"));
  assert.ok(settings.secrets.includes("abcdefghijk"));
  const line = describeWebhook(settings);
  assert.equal(
    line,
    "PUT https://hooks.example.com headers: authorization, x-literal, content-type; body: template",
  );
  assert.ok(!line.includes("s3cr3t") && !line.includes("abcdefghijk"));
});

Deno.test("validateWebhook() names unset variables without printing any value", () => {
  const p = problems({
    url: "https://h.example/${NOPE_URL}",
    headers: { Authorization: "Bearer ${TOKEN} ${MISSING_A} ${MISSING_B}" },
  });
  assert.deepEqual(p.map((x) => x.path), [["url"], ["headers", "Authorization"]]);
  assert.match(p[0]!.message, /environment variable \$\{NOPE_URL\} is not set/);
  assert.match(p[1]!.message, /variables \$\{MISSING_A\}, \$\{MISSING_B\} are not set/);
  assert.ok(!JSON.stringify(p).includes("s3cr3t"));
});

Deno.test("validateWebhook() checks url, method, headers, body, timeout, retries and keys", () => {
  const p = problems({
    url: "ftp://x",
    method: "DELETE",
    headers: { "Bad Name": "x", Host: "y", "X-A": 5, "x-b": "1", "X-B": "2" },
    body: 3,
    timeout: "soon",
    retries: 11,
    ca: "relative.pem",
    retires: 2,
  });
  const byPath = Object.fromEntries(p.map((x) => [x.path.join("."), x.message]));
  assert.match(byPath["url"]!, /unsupported scheme "ftp:"/);
  assert.match(byPath["method"]!, /POST, PUT, PATCH, GET/);
  assert.match(byPath["headers.Bad Name"]!, /not a valid HTTP header name/);
  assert.match(byPath["headers.Host"]!, /reactor sets this header itself/);
  assert.match(byPath["headers.X-A"]!, /expected a string/);
  assert.match(byPath["headers.X-B"]!, /given twice/);
  assert.match(byPath["body"]!, /expected a template string/);
  assert.match(byPath["timeout"]!, /duration|500ms/);
  assert.match(byPath["retries"]!, /0 to 10/);
  assert.match(byPath["ca"]!, /absolute path/);
  assert.match(byPath["retires"]!, /did you mean "retries"/);
  assert.match(problems("https://x")[0]!.message, /expected a map/);
  assert.match(problems({})[0]!.message, /expected a URL string/);
});

Deno.test("validateWebhook() refuses credentials in the URL and line breaks in headers", () => {
  assert.match(problems({ url: "https://u:p@h.example/" })[0]!.message, /credentials in the URL/);
  ENV["EVIL"] = "a\r\nX-Injected: 1";
  try {
    assert.match(
      problems({ url: "https://h.example/", headers: { "X-A": "${EVIL}" } })[0]!.message,
      /line break/,
    );
  } finally {
    delete ENV["EVIL"];
  }
});

Deno.test("validateWebhook() warns about plain http to another machine only", () => {
  assert.deepEqual(ok({ url: "http://127.0.0.1:8080/x" }).warnings, []);
  assert.deepEqual(ok({ url: "http://[::1]:8080/x" }).warnings, []);
  const w = ok({ url: "http://notify.lan/x" }).warnings;
  assert.equal(w.length, 1);
  assert.match(w[0]!.message, /unencrypted — use https/);
});

Deno.test("validateWebhook() picks JSON mode from content-type or the body's shape", () => {
  const json = ok({ url: "https://h.example/", body: '{"t": "%%name%%"}' }).settings;
  assert.equal(json.body?.json, true);
  assert.equal(json.headers["content-type"], "application/json");
  const plain = ok({
    url: "https://h.example/",
    headers: { "Content-Type": "text/plain" },
    body: "{%%name%%",
  }).settings;
  assert.equal(plain.body?.json, false);
  assert.match(
    problems({ url: "https://h.example/", body: '{"t": %%name%% x}' })[0]!.message,
    /not valid JSON/,
  );
  assert.match(
    problems({ url: "https://h.example/", method: "GET", body: "x" })[0]!.message,
    /GET request has no body/,
  );
  assert.deepEqual(ok({ url: "https://h.example/", method: "GET" }).settings.headers, {});
});

Deno.test("expandEnv() handles several variables and the $${ escape", () => {
  assert.deepEqual(expandEnv("${TOKEN}/$${TOKEN}/${SLACK_PATH}", env), {
    value: "s3cr3t-t0ken/${TOKEN}/T0/B0/abcdefghijk",
  });
  assert.deepEqual(expandEnv("plain $HOME ${ not a var", env), {
    value: "plain $HOME ${ not a var",
  });
  assert.deepEqual(expandEnv("${A}${B}", env), { missing: ["A", "B"] });
});
