import assert from "node:assert/strict";
import { DesiredState } from "./desired.ts";
import { type KeyTemplate, parseKeyTemplate } from "./key.ts";
import type { PublishableContainer } from "./summary.ts";

function c(name: string, over: Partial<PublishableContainer> = {}): PublishableContainer {
  return {
    hostId: "h1",
    id: name.padEnd(64, "0"),
    name,
    image: "i",
    imageId: "",
    labels: {},
    pid: 1,
    running: true,
    status: "running",
    exitCode: 0,
    health: "none",
    networks: {},
    ports: [],
    primaryIp: "",
    sandboxKey: "",
    networkMode: "bridge",
    createdAt: "",
    startedAt: "",
    finishedAt: "",
    hostname: "",
    ...over,
  };
}

function state(template = "{prefix}/{hostId}/{name}") {
  const warnings: string[] = [];
  const d = new DesiredState({
    keyTemplate: parseKeyTemplate(template) as KeyTemplate,
    prefix: "/r",
    warn: (m) => warnings.push(m),
  });
  return { d, warnings };
}

Deno.test("DesiredState.set() keeps running containers only, keyed by the template", () => {
  const { d } = state();
  d.set("h1", { hostId: "h1", engineName: "n" }, [c("web"), c("old", { running: false })]);
  const h = d.hosts.get("h1")!;
  assert.deepEqual([...h.wanted.keys()], ["/r/h1/web"]);
  assert.equal(JSON.parse(h.wanted.get("/r/h1/web")!).engine, "n");
  assert.equal(h.scope.dir, "/r/h1/");
  assert.ok(h.dirty);
  assert.equal(d.keyCount, 1);
});

Deno.test("DesiredState.remove() queues the key; a later set() that wants it again unqueues it", () => {
  const { d } = state();
  const host = { hostId: "h1", engineName: "n" };
  d.set("h1", host, [c("web")]);
  assert.equal(d.remove("h1", c("nope").id), false);
  assert.equal(d.remove("h1", c("web").id), true);
  assert.deepEqual([...d.deletes], ["/r/h1/web"]);
  assert.ok(!d.isWanted("/r/h1/web"));
  d.set("h1", host, [c("web")]);
  assert.deepEqual([...d.deletes], []);
});

Deno.test("DesiredState.set() warns about unpublishable containers and key clashes", () => {
  const { d, warnings } = state("{prefix}/{hostId}/{shortId}");
  d.set("h1", { hostId: "h1", engineName: "n" }, [
    c("a", { id: "abcdef0123456789" }),
    c("b", { id: "abcdef0123459999" }),
    c("e", { id: "" }),
  ]);
  assert.equal(d.keyCount, 1);
  assert.match(warnings.join("\n"), /container id is empty .* — it is not published/);
  assert.match(
    warnings.join("\n"),
    /key \/r\/h1\/abcdef012345 is taken by another container — put \{id\}/,
  );
});

Deno.test("DesiredState.set() queues the old directory's keys when the engine was renamed", () => {
  const { d } = state("{prefix}/{hostId}/{engine}/{name}");
  d.set("h1", { hostId: "h1", engineName: "old" }, [c("web")]);
  d.set("h1", { hostId: "h1", engineName: "new" }, [c("web")]);
  assert.deepEqual([...d.deletes], ["/r/h1/old/web"]);
  assert.ok(d.isWanted("/r/h1/new/web"));
});
