import assert from "node:assert/strict";
import type { TemplateInput } from "../config/template.ts";
import type { ReactorEvent } from "../reactor.d.ts";
import { compileBody, isJsonContentType, looksLikeJson, renderBody } from "./render.ts";

const NASTY = 'we"ird\\name\n</x>\u0001ü';
const raw =
  '{"Type":"container","Action":"start","Actor":{"ID":"c1","Attributes":{"name":"web"}},"time":1700000000,"timeNano":1700000000123456789}';
const event: ReactorEvent = {
  hostId: "edge",
  type: "container",
  action: "start",
  rawAction: "start",
  actor: { id: "c1", attributes: { name: NASTY } },
  scope: "local",
  time: 1700000000,
  timeNano: "1700000000123456789",
  synthetic: false,
  raw,
};
const input: TemplateInput = { event, container: undefined, host: { id: "edge", name: "edge-1" } };

function compiled(source: string, json: boolean) {
  const b = compileBody(source, { json });
  if ("error" in b) throw new Error(b.error);
  return b;
}

Deno.test("renderBody() sends the event JSON when there is no template", () => {
  assert.equal(renderBody(undefined, input), raw);
});

Deno.test("renderBody() escapes values inside JSON strings so any name stays valid JSON", () => {
  const b = compiled('{"text": "%%actor.name%% started on %%host%%", "id": "%%id%%"}', true);
  const out = renderBody(b, input);
  assert.deepEqual(JSON.parse(out), { text: `${NASTY} started on edge-1`, id: "c1" });
});

Deno.test("renderBody() writes payload and time as JSON values and other keys as strings", () => {
  const b = compiled('{"event": %%payload%%, "t": %%time%%, "name": %%actor.name%%}', true);
  const v = JSON.parse(renderBody(b, input));
  assert.equal(v.event.Actor.Attributes.name, "web");
  assert.equal(v.t, 1700000000);
  assert.equal(v.name, NASTY);
  assert.match(renderBody(b, input), /"timeNano":1700000000123456789/, "timeNano stays exact");
});

Deno.test("renderBody() embeds the payload as a string when the placeholder is quoted", () => {
  const b = compiled('{"raw": "%%payload%%"}', true);
  assert.equal(JSON.parse(renderBody(b, input)).raw, raw);
});

Deno.test("renderBody() tracks escaped quotes in literal text", () => {
  const b = compiled('{"a": "say \\"%%name%%\\"", "b": %%name%%}', true);
  assert.deepEqual(JSON.parse(renderBody(b, input)), { a: `say "${NASTY}"`, b: NASTY });
});

Deno.test("renderBody() renders a non-JSON template verbatim through the template module", () => {
  const b = compiled("%%name%% is %%action%% on %%host%%", false);
  assert.equal(renderBody(b, input), `${NASTY} is start on edge-1`);
});

Deno.test("compileBody() refuses a JSON template that is not JSON, and unknown keys", () => {
  const bad = compileBody('{"text": %%name%% started}', { json: true });
  assert.ok("error" in bad);
  assert.match(bad.error, /not valid JSON .* inside a string/);
  const unknown = compileBody('{"t": "%%nmae%%"}', { json: true });
  assert.ok("error" in unknown);
  assert.match(unknown.error, /unknown template key %%nmae%%/);
});

Deno.test("isJsonContentType() and looksLikeJson() decide JSON mode", () => {
  assert.ok(isJsonContentType("application/json"));
  assert.ok(isJsonContentType("Application/JSON; charset=utf-8"));
  assert.ok(isJsonContentType("application/cloudevents+json"));
  assert.ok(!isJsonContentType("text/plain"));
  assert.ok(looksLikeJson("  [1]"));
  assert.ok(!looksLikeJson("hello {"));
});
