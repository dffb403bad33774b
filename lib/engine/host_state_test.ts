import assert from "node:assert/strict";
import { HostRuntime } from "./host_state.ts";

const connector = (describe: string) => ({
  id: "default",
  local: true,
  describe,
  connect: () => Promise.reject(new Error("unused")),
  close: () => Promise.resolve(),
});

Deno.test("HostRuntime saves its endpoint and restores only a cursor of the same engine", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const a = new HostRuntime(connector("unix:///run/a.sock"), dir);
    a.tracker.observe("1777889472345000000");
    await a.save();
    const saved = JSON.parse(await Deno.readTextFile(`${dir}/hosts/default.json`));
    assert.equal(saved.endpoint, "unix:///run/a.sock");

    const same = new HostRuntime(connector("unix:///run/a.sock"), dir);
    assert.equal(await same.restore(), undefined);
    assert.equal(same.tracker.cursor, "1777889472345000000");

    const other = new HostRuntime(connector("unix:///run/b.sock"), dir);
    assert.match(
      (await other.restore()) ?? "",
      /belongs to unix:\/\/\/run\/a\.sock, not unix:\/\/\/run\/b\.sock: starting with a full resync$/,
    );
    assert.equal(other.tracker.cursor, undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
