import assert from "node:assert/strict";
import { classifyStart, eventRecord, recordCovers } from "./start_record.ts";

// one incarnation: started at S1, its start event at E1; the next one: S2, E2 (S1 ≤ E1 < S2 ≤ E2)
const S1 = "2026-11-30T13:24:05.100000000Z";
const E1 = "1796045045100000500";
const S2 = "2026-11-30T13:24:06.000000000Z";
const E2 = "1796045046000000700";

Deno.test("classifyStart() needs no inspect when the record is an event time", () => {
  assert.equal(classifyStart(undefined, E1), "new");
  assert.equal(classifyStart(eventRecord(E1), E1), "handled");
  assert.equal(classifyStart(eventRecord(E1), E2), "new");
  assert.equal(classifyStart(eventRecord(E2), E1), "older");
  // a longer timeNano is later (digit strings compare by length first)
  assert.equal(classifyStart(eventRecord("999999999"), "1000000000"), "new");
});

Deno.test("classifyStart() asks for an inspect when a StartedAt record may be this start", () => {
  assert.equal(classifyStart(S1, E1), "unknown"); // the same incarnation, or a later one
  assert.equal(classifyStart(S1, E2), "unknown");
  assert.equal(classifyStart(S2, E1), "older"); // the event precedes the handled incarnation
  assert.equal(classifyStart("garbage", E1), "unknown");
});

Deno.test("recordCovers() matches an incarnation by StartedAt or by its start event's time", () => {
  assert.equal(recordCovers(undefined, S1), false);
  assert.equal(recordCovers(S1, S1), true);
  assert.equal(recordCovers(S1, S2), false);
  assert.equal(recordCovers(eventRecord(E1), S1), true, "started before its handled event");
  assert.equal(recordCovers(eventRecord(E1), S2), false, "a later incarnation");
  assert.equal(recordCovers(eventRecord(E1), "0001-01-01T00:00:00Z"), false, "never started");
  assert.equal(recordCovers(eventRecord(E1), "not a time"), false);
});
