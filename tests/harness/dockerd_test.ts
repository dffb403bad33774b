import assert from "node:assert/strict";
import { startDockerd } from "./dockerd.ts";

Deno.test("startDockerd() runs a private engine with a busybox image", async () => {
  const d = await startDockerd();
  try {
    const id = await d.runContainer("h1");
    assert.match(id, /^[0-9a-f]{64}$/);
    const ip = await d.docker("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "h1");
    assert.ok(ip.startsWith(`${d.subnetPrefix}.`), ip);
    assert.ok((await d.pidOf("h1")) > 0);
  } finally {
    await d.close();
  }
  await assert.rejects(Deno.stat(d.dir));
});
