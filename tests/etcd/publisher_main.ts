/**
 * A killable stand-in for reactor with the etcd hook, for tests: polls a Docker engine (list +
 * inspect), feeds the running containers to an {@link EtcdPublisher}, and prints one JSON line
 * `{"synced":[names…],"lease":"…"}` to stdout whenever what etcd holds changed. SIGTERM closes
 * the publisher (revoking its lease); SIGKILL leaves the lease to expire.
 *
 * Usage: `deno run -A tests/etcd/publisher_main.ts <docker-host-url> <host-id> <settings-json>`
 *
 * The lead replaces this with the real daemon once the hook is wired into the inventory.
 */
import { DockerClient } from "../../lib/docker/client.ts";
import { openTransport, parseEndpoint } from "../../lib/docker/endpoint.ts";
import { parseInspect } from "../../lib/docker/normalize.ts";
import { DockerApiError, errorMessage } from "../../lib/errors.ts";
import { EtcdPublisher } from "../../lib/etcd/publisher.ts";
import { parseEtcdSettings } from "../../lib/etcd/settings.ts";
import type { PublishableContainer } from "../../lib/etcd/summary.ts";
import { getLog, setupLogging } from "../../lib/log.ts";
import { sleep } from "../../lib/util/sleep.ts";

const POLL_MS = 300;
const out = new TextEncoder();

function say(line: string): void {
  Deno.stdout.writeSync(out.encode(line + "\n"));
}

async function containers(client: DockerClient, hostId: string, signal: AbortSignal) {
  const list: PublishableContainer[] = [];
  for (const s of await client.listContainers({ signal })) {
    try {
      const raw = await client.json("GET", `/containers/${s.id}/json`, { signal });
      list.push(parseInspect(raw, hostId));
    } catch (err) {
      if (err instanceof DockerApiError && err.isGone) continue; // removed between list and inspect
      throw err;
    }
  }
  return list;
}

async function main(): Promise<number> {
  const [dockerHost, hostId, settingsJson] = Deno.args;
  if (!dockerHost || !hostId || !settingsJson) {
    say("usage: publisher_main.ts <docker-host-url> <host-id> <settings-json>");
    return 2;
  }
  setupLogging({ level: "debug" });
  const log = getLog({ prog: "publisher_main" });
  const parsed = parseEtcdSettings(JSON.parse(settingsJson));
  if (!parsed.ok) {
    for (const p of parsed.problems) say(`settings: ${p.path.join(".")}: ${p.message}`);
    return 2;
  }
  const docker = new DockerClient({
    hostId,
    transport: await openTransport(parseEndpoint(dockerHost)),
  });
  await docker.negotiate();
  const engineName = (await docker.info()).name;
  const publisher = new EtcdPublisher(parsed.settings, {
    log,
    hostInfo: () => ({ hostId, engineName }),
    backoff: { baseMs: 100, capMs: 1000 },
  });
  const stop = new AbortController();
  Deno.addSignalListener("SIGTERM", () => stop.abort());
  publisher.start();
  let last = "";
  while (!stop.signal.aborted) {
    try {
      const list = await containers(docker, hostId, stop.signal);
      publisher.sync(hostId, list);
      await publisher.settled(AbortSignal.any([stop.signal, AbortSignal.timeout(10_000)]));
      const names = list.filter((c) => c.running).map((c) => c.name).sort();
      const line = JSON.stringify({ synced: names, lease: publisher.status().leaseId });
      if (line !== last) say(line);
      last = line;
    } catch (err) {
      if (!stop.signal.aborted) log.warn(`poll failed: ${errorMessage(err)}`);
    }
    await sleep(POLL_MS, stop.signal);
  }
  await publisher.close();
  docker.close();
  return 0;
}

if (import.meta.main) Deno.exit(await main());
