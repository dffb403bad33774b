import assert from "node:assert/strict";
import { CursorTracker, defaultStateDir, HostStateStore } from "./cursor.ts";

Deno.test("CursorTracker.cursor stays at the oldest in-flight event", () => {
  const t = new CursorTracker();
  assert.equal(t.cursor, undefined);
  const a = t.begin("1795322049951646361");
  const b = t.begin("1795322049951646399");
  assert.equal(t.cursor, "1795322049951646361");
  t.done(b);
  assert.equal(t.cursor, "1795322049951646361");
  t.done(a);
  assert.equal(t.cursor, "1795322049951646399");
});

Deno.test("CursorTracker handles out-of-order timeNano (not monotonic)", () => {
  const t = new CursorTracker("1795322049951646300");
  const a = t.begin("1795322049951646400");
  const b = t.begin("1795322049951646350"); // earlier than a, arrives later
  t.done(a);
  assert.equal(t.cursor, "1795322049951646350");
  t.done(b);
  assert.equal(t.cursor, "1795322049951646400");
  t.observe("1795322049951646390");
  assert.equal(t.cursor, "1795322049951646400");
});

Deno.test("HostStateStore round-trips exact timeNano and recent keys atomically", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const s = new HostStateStore(dir, "default");
    assert.deepEqual((await s.load("default")).state.recent, []);
    await s.save({
      version: 1,
      hostId: "default",
      since: "1795322049951646361",
      recent: ["k1", "k2"],
      updatedAt: "",
    });
    const { state } = await s.load("default");
    assert.equal(state.since, "1795322049951646361");
    assert.deepEqual(state.recent, ["k1", "k2"]);
    const files = [...Deno.readDirSync(`${dir}/hosts`)].map((e) => e.name);
    assert.deepEqual(files, ["default.json"], "no temp files left behind");
    assert.equal((await Deno.stat(s.path)).mode! & 0o777, 0o600);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("HostStateStore moves a corrupt file aside and starts empty with a warning", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const s = new HostStateStore(dir, "h/1");
    await Deno.mkdir(`${dir}/hosts`);
    await Deno.writeTextFile(s.path, "{not json");
    const { state, warning } = await s.load("h/1");
    assert.equal(state.since, undefined);
    assert.match(warning ?? "", /corrupt.*moved to/);
    assert.ok(s.path.endsWith("/hosts/h_1.json"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("defaultStateDir() uses /var/lib/reactor as root", () => {
  if (Deno.uid() === 0) assert.equal(defaultStateDir(), "/var/lib/reactor");
  else assert.match(defaultStateDir(), /reactor$/);
});
