/**
 * A unix-socket host configured like the daemon's (`docker.hosts`, through the host connector)
 * talks over reactor's own HTTP client, not `fetch` (which holds one of Deno's few blocking
 * threads per connection), and its transport may be closed by both the engine and the
 * connector.
 */
import assert from "node:assert/strict";
import { parseHostsSection } from "../../lib/hosts/config.ts";
import { createConnector } from "../../lib/hosts/connector.ts";
import { startFakeEngine } from "../harness/fake_engine.ts";
import { recordingLog } from "./helpers.ts";

Deno.test("a configured unix host uses reactor's own HTTP client, and closing twice is harmless", async () => {
  const engine = await startFakeEngine();
  engine.create("web");
  const [cfg] = parseHostsSection({ local: { host: engine.host } }, { env: {}, home: "/root" });
  const conn = createConnector(cfg!, { log: recordingLog() });
  try {
    const docker = await conn.connect(AbortSignal.timeout(10_000));
    assert.equal(typeof docker.transport.request, "function", "requests bypass fetch");
    const list = await docker.listContainers({ all: true });
    assert.deepEqual(list.map((c) => c.name), ["web"]);
    docker.close();
    docker.close();
  } finally {
    await conn.close();
    await engine.close();
  }
});
