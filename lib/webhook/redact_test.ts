import assert from "node:assert/strict";
import { redactHeaders, redactUrl, scrubSecrets, urlSecrets } from "./redact.ts";

Deno.test("redactUrl() keeps only the origin", () => {
  assert.equal(redactUrl("https://h.example:8443/a/b?token=x#f"), "https://h.example:8443");
  assert.equal(redactUrl("not a url"), "[redacted]");
});

Deno.test("redactHeaders() keeps names and hides every value", () => {
  assert.deepEqual(redactHeaders({ authorization: "Bearer x", "x-key": "k" }), {
    authorization: "[redacted]",
    "x-key": "[redacted]",
  });
});

Deno.test("scrubSecrets() removes every secret, the longest first", () => {
  const url = "https://h.example/services/T0/B0/abcdefghijk?sig=zzzzzzzzzz";
  const msg = `error sending request for url (${url}): connection refused; path abcdefghijk`;
  const out = scrubSecrets(msg, urlSecrets(url));
  assert.equal(
    out,
    "error sending request for url ([redacted]): connection refused; path [redacted]",
  );
  assert.equal(scrubSecrets("a b c", ["b"]), "a b c", "too short to be a secret");
});

Deno.test("urlSecrets() lists the URL, its path and long segments and query values", () => {
  const s = urlSecrets("https://h.example/services/abcdefghijk?x=1&sig=zzzzzzzzzz");
  for (
    const part of [
      "/services/abcdefghijk?x=1&sig=zzzzzzzzzz",
      "abcdefghijk",
      "zzzzzzzzzz",
      "services",
    ]
  ) {
    assert.ok(s.includes(part), part);
  }
});
