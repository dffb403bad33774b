import assert from "node:assert/strict";
import { parseEvent } from "../docker/normalize.ts";
import { Dedup, eventKey } from "./dedup.ts";

const line = (nano: string, action = "start", id = "c1") =>
  `{"Type":"container","Action":"${action}","Actor":{"ID":"${id}","Attributes":{}},"scope":"local","time":1,"timeNano":${nano}}`;

Deno.test("eventKey() distinguishes events that differ only beyond 2^53", () => {
  const a = parseEvent(line("1795322049951646361"), "h");
  const b = parseEvent(line("1795322049951646362"), "h");
  assert.notEqual(eventKey(a), eventKey(b));
});

Deno.test("Dedup.seen() reports a replayed event as a duplicate", () => {
  const d = new Dedup();
  const ev = parseEvent(line("1795322049951646361"), "h");
  assert.equal(d.seen(eventKey(ev)), false);
  assert.equal(d.seen(eventKey(parseEvent(line("1795322049951646361"), "h"))), true);
  assert.equal(d.seen(eventKey(parseEvent(line("1795322049951646361", "die"), "h"))), false);
});

Deno.test("Dedup evicts the oldest keys beyond its bound", () => {
  const d = new Dedup(3);
  for (const k of ["a", "b", "c", "d"]) d.add(k);
  assert.equal(d.size, 3);
  assert.equal(d.seen("a"), false);
  assert.deepEqual(d.recent(2), ["d", "a"]);
});

Deno.test("Dedup can be seeded from persisted keys", () => {
  const d = new Dedup(10, ["x", "y"]);
  assert.equal(d.seen("x"), true);
  assert.equal(d.seen("z"), false);
});
