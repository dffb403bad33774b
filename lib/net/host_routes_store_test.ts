import assert from "node:assert/strict";
import { HostRoutesStore } from "./host_routes_store.ts";

const r1 = {
  words: ["add", "10.250.0.0/24", "dev", "rx1"],
  del: ["del", "10.250.0.0/24", "dev", "rx1"],
};
const r2 = {
  words: ["replace", "10.251.0.0/24", "dev", "rx1"],
  del: ["del", "10.251.0.0/24", "dev", "rx1"],
};
const a = { hostId: "default", containerId: "aaa", name: "web" };
const b = { hostId: "default", containerId: "bbb", name: "api" };

Deno.test("HostRoutesStore survives a restart (a new instance reads the file)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const s = new HostRoutesStore(dir);
    await Promise.all([s.record(a, r1), s.record(a, r2), s.record(a, r1), s.record(b, r1)]);
    const again = new HostRoutesStore(dir);
    assert.deepEqual(await again.routesOf("default", "aaa"), [r1, r2]);
    assert.equal(await again.sharedWithOthers("default", "aaa", r1), true);
    assert.equal(await again.sharedWithOthers("default", "aaa", r2), false);
    await again.forget("default", "aaa", r1);
    await again.forget("default", "aaa", r2);
    assert.deepEqual(await again.routesOf("default", "aaa"), []);
    const third = new HostRoutesStore(dir);
    assert.deepEqual((await third.entries()).map((e) => e.containerId), ["bbb"]);
    // no temp files left behind
    const files = [...Deno.readDirSync(`${dir}/labels`)].map((e) => e.name);
    assert.deepEqual(files, ["host-routes.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("HostRoutesStore rejects an unknown file format with a clear message", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/labels`);
    await Deno.writeTextFile(`${dir}/labels/host-routes.json`, `{"version":9}`);
    await assert.rejects(new HostRoutesStore(dir).entries(), /unknown format — move it away/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
