import assert from "node:assert/strict";
import { parseTemplate, renderTemplate, type TemplateInput } from "./template.ts";
import type { ContainerInfo, ReactorEvent } from "../reactor.d.ts";

const event: ReactorEvent = {
  hostId: "edge",
  type: "container",
  action: "start",
  rawAction: "start",
  actor: { id: "c0ffee", attributes: { name: "sentry_web", image: "sentry:24", tier: "front" } },
  scope: "local",
  time: 1700000000,
  timeNano: "1700000000123456789",
  synthetic: false,
  raw: '{"Type":"container","Action":"start","timeNano":1700000000123456789}',
};
const container = {
  id: "c0ffee",
  name: "sentry_web",
  image: "sentry:24",
  labels: { tier: "front", "com.example.team": "ops" },
  primaryIp: "10.1.0.5",
  networks: { bridge: { ip: "10.1.0.5" }, backend: { ip: "10.2.0.7" } },
} as unknown as ContainerInfo;
const input: TemplateInput = { event, container, host: { id: "edge", name: "docker-002" } };

function render(src: string, inp: TemplateInput = input): string {
  const t = parseTemplate(src);
  if ("error" in t) throw new Error(t.error);
  return renderTemplate(t, inp);
}

Deno.test("renderTemplate() substitutes every documented key", () => {
  assert.equal(render("container.%%action%%"), "container.start");
  assert.equal(render("%%type%%/%%scope%%/%%time%%/%%id%%"), "container/local/1700000000/c0ffee");
  assert.equal(
    render("%%actor.id%% %%actor.name%% %%actor.attributes.tier%%"),
    "c0ffee sentry_web front",
  );
  assert.equal(render("%%label.com.example.team%%"), "ops");
  assert.equal(render("%%name%%@%%image%%"), "sentry_web@sentry:24");
  assert.equal(render("%%ip%%"), "10.1.0.5");
  assert.equal(render("%%ip%%", { ...input, network: "backend" }), "10.2.0.7");
  assert.equal(render("%%host%% %%hostid%%"), "docker-002 edge");
  assert.equal(render("%%payload%%"), event.raw, "payload is the raw event JSON, timeNano exact");
});

Deno.test("renderTemplate() keeps shell syntax literal: one element, no splitting", () => {
  const evil = {
    ...event,
    actor: { ...event.actor, attributes: { name: "x; rm -rf / $(id) `id`" } },
  };
  assert.equal(
    render("--text=%%actor.name%%", { ...input, event: evil }),
    "--text=x; rm -rf / $(id) `id`",
  );
});

Deno.test("renderTemplate() gives empty strings for values the event does not have", () => {
  assert.equal(render("[%%ip%%][%%label.nope%%]", { ...input, container: undefined }), "[][]");
  assert.equal(
    render("%%name%%", { ...input, container: undefined }),
    "sentry_web",
    "falls back to the event",
  );
});

Deno.test("parseTemplate() rejects unknown, empty and unterminated keys", () => {
  assert.match(
    (parseTemplate("%%nmae%%") as { error: string }).error,
    /^unknown template key %%nmae%%/,
  );
  assert.match((parseTemplate("%%label.%%") as { error: string }).error, /^unknown template key/);
  assert.match((parseTemplate("100%%") as { error: string }).error, /^unterminated %%/);
  assert.match((parseTemplate("%%%%") as { error: string }).error, /^empty %%%% placeholder/);
  assert.deepEqual(parseTemplate("50%"), { source: "50%", parts: ["50%"] });
});
