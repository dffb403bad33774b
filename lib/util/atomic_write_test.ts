import assert from "node:assert/strict";
import { writeFileAtomic, writeJsonAtomic } from "./atomic_write.ts";

Deno.test("writeFileAtomic() replaces the file and leaves no temp file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const p = `${dir}/a.json`;
    await Deno.writeTextFile(p, "old");
    await writeFileAtomic(p, "new", { mode: 0o640 });
    assert.equal(await Deno.readTextFile(p), "new");
    assert.equal((await Deno.stat(p)).mode! & 0o777, 0o640);
    const names = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    assert.deepEqual(names, ["a.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeJsonAtomic() creates the parent directory when asked and writes every byte", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const p = `${dir}/sub/deeper/state.json`;
    const big = { list: Array.from({ length: 50_000 }, (_, i) => `item-${i}`) };
    await writeJsonAtomic(p, big, { mkdirMode: 0o700 });
    assert.deepEqual(JSON.parse(await Deno.readTextFile(p)), big);
    assert.equal((await Deno.stat(`${dir}/sub`)).mode! & 0o777, 0o700);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeFileAtomic() fails without a parent directory and leaves nothing behind", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(() => writeFileAtomic(`${dir}/missing/x`, "x"), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
