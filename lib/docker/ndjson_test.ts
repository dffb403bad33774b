import assert from "node:assert/strict";
import { ndjsonLines, NdjsonSplitter } from "./ndjson.ts";

Deno.test("NdjsonSplitter.push() joins lines torn across chunks", () => {
  const s = new NdjsonSplitter();
  assert.deepEqual(s.push('{"a":'), []);
  assert.deepEqual(s.push('1}\n{"b"'), ['{"a":1}']);
  assert.deepEqual(s.push(":2}\n\n"), ['{"b":2}']);
  assert.equal(s.pending, 0);
});

Deno.test("NdjsonSplitter.push() splits several lines in one chunk and strips CR and RS", () => {
  const s = new NdjsonSplitter();
  assert.deepEqual(s.push('{"a":1}\r\n\x1e{"b":2}\n  \n{"c":3}\n'), [
    '{"a":1}',
    '{"b":2}',
    '{"c":3}',
  ]);
});

Deno.test("NdjsonSplitter.flush() returns an unterminated final line", () => {
  const s = new NdjsonSplitter();
  s.push('{"a":1}\n{"b":');
  assert.deepEqual(s.flush(), ['{"b":']);
  assert.deepEqual(s.flush(), []);
});

Deno.test("NdjsonSplitter drops a line longer than maxLine instead of growing forever", () => {
  const s = new NdjsonSplitter(10);
  assert.deepEqual(s.push("x".repeat(50)), []);
  assert.equal(s.pending, 0);
  assert.deepEqual(s.push('{"ok":1}\n'), ['{"ok":1}']);
});

Deno.test("ndjsonLines() decodes multi-byte characters split between chunks", async () => {
  const bytes = new TextEncoder().encode('{"name":"ünïcode"}\n{"x":1}');
  const chunks = [bytes.slice(0, 11), bytes.slice(11, 12), bytes.slice(12)];
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      for (const ch of chunks) c.enqueue(ch);
      c.close();
    },
  });
  const out: string[] = [];
  for await (const l of ndjsonLines(body)) out.push(l);
  assert.deepEqual(out, ['{"name":"ünïcode"}', '{"x":1}']);
});
