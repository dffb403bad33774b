import assert from "node:assert/strict";
import { readJsonWithBackup, writeJsonAtomic } from "./state_file.ts";
import { emptyState, StateStore, validateState } from "./state.ts";

Deno.test("writeJsonAtomic() replaces the file, keeps a .bak and leaves no temp files", async () => {
  const dir = await Deno.makeTempDir({ prefix: "l2vlan-state-" });
  try {
    const p = `${dir}/sub/s.json`;
    await writeJsonAtomic(p, { n: 1 }, { backup: true });
    await writeJsonAtomic(p, { n: 2 }, { backup: true });
    assert.deepEqual(JSON.parse(await Deno.readTextFile(p)), { n: 2 });
    assert.deepEqual(JSON.parse(await Deno.readTextFile(`${p}.bak`)), { n: 1 });
    const names = [];
    for await (const e of Deno.readDir(`${dir}/sub`)) names.push(e.name);
    assert.deepEqual(names.sort(), ["s.json", "s.json.bak"]);
    assert.equal((await Deno.stat(p)).mode! & 0o777, 0o600);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("StateStore.load(): new, file, corrupt → backup, both corrupt → empty with a warning", async () => {
  const dir = await Deno.makeTempDir({ prefix: "l2vlan-state-" });
  try {
    const store = new StateStore(dir);
    assert.equal((await store.load()).source, "new");
    const s1 = emptyState();
    s1.networks.n1 = {
      bridge: "b",
      pool: "10.251.0.0/24",
      addressSpace: "l2vlan_local",
      iptables: true,
      createdAt: "t",
    };
    await store.save(s1);
    await store.save({ ...s1, networks: {} });
    assert.deepEqual((await store.load()).state.networks, {});
    await Deno.writeTextFile(store.path, "{ truncated");
    const r = await store.load();
    assert.equal(r.source, "backup");
    assert.deepEqual(Object.keys(r.state.networks), ["n1"]);
    assert.match(r.warning!, /is unusable .* using .*state\.json\.bak/);
    await Deno.writeTextFile(store.path, "{}");
    await Deno.writeTextFile(`${store.path}.bak`, "[]");
    const e = await store.load();
    assert.equal(e.source, "empty");
    assert.deepEqual(e.state, emptyState());
    assert.match(e.warning!, /starting empty/);
    let corrupt = 0;
    for await (const f of Deno.readDir(dir)) if (f.name.includes(".corrupt-")) corrupt++;
    assert.equal(corrupt, 2, "unusable files are moved aside, not overwritten");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("validateState() names the first bad field", () => {
  assert.throws(() => validateState({ version: 2 }), /unsupported version 2/);
  const s = { ...emptyState(), endpoints: { e1: { networkId: "n" } } };
  assert.throws(() => validateState(s), /"endpoints\.e1" has an unexpected shape/);
  assert.deepEqual(validateState(emptyState()), emptyState());
});

Deno.test("readJsonWithBackup() uses the backup when the file was removed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "l2vlan-state-" });
  try {
    const p = `${dir}/x.json`;
    await writeJsonAtomic(p, { a: 1 }, { backup: true });
    await writeJsonAtomic(p, { a: 2 }, { backup: true });
    await Deno.remove(p);
    const r = await readJsonWithBackup(p, (v) => v as { a: number });
    assert.deepEqual([r.source, r.value], ["backup", { a: 1 }]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
