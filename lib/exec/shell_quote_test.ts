import assert from "node:assert/strict";
import { exec } from "./run.ts";
import { quoteWord, shellQuote } from "./shell_quote.ts";

Deno.test("shellQuote() leaves plain words alone", () => {
  assert.equal(
    shellQuote(["ip", "route", "add", "10.1.0.0/24", "dev", "eth0"]),
    "ip route add 10.1.0.0/24 dev eth0",
  );
  assert.equal(
    shellQuote(["nsenter", "--net=/run/docker/netns/abc", "--", "ip", "-4", "route"]),
    "nsenter --net=/run/docker/netns/abc -- ip -4 route",
  );
});

Deno.test("quoteWord() quotes spaces, quotes, shell syntax and empty words", () => {
  assert.equal(quoteWord(""), "''");
  assert.equal(quoteWord("a b"), "'a b'");
  assert.equal(quoteWord("it's"), `'it'\\''s'`);
  assert.equal(quoteWord("$(reboot)"), "'$(reboot)'");
  assert.equal(quoteWord("a\nb"), "$'a\\nb'");
});

Deno.test("shellQuote() output means the same argv to a real shell", async () => {
  const words = [
    "plain",
    "",
    "two words",
    "it's",
    "$(id) `id` ;|&",
    "tab\there",
    "new\nline",
    "\\",
  ];
  const script = `for a in ${shellQuote(words)}; do printf '%s\\0' "$a"; done`;
  const r = await exec(["bash", "-c", script]);
  assert.deepEqual(r.stdout.split("\0").slice(0, -1), words);
});
