import assert from "node:assert/strict";
import { localTime } from "../log.ts";
import { formatStatus } from "./format.ts";

Deno.test("formatStatus() prints the daemon, its config, a host table and failure details", () => {
  const now = Date.parse("2026-01-01T00:10:00.000Z");
  const text = formatStatus({
    version: "1.2.3",
    pid: 42,
    startedAt: "2026-01-01T00:00:00.000Z",
    stateDir: "/var/lib/reactor",
    queueDepth: 1,
    config: {
      files: ["/etc/reactor/reactor.yaml"],
      loadedAt: "2026-01-01T00:05:00.000Z",
      reloads: 2,
    },
    hosts: [
      {
        id: "default",
        endpoint: "unix:///var/run/docker.sock",
        state: "up",
        apiVersion: "1.41",
        lastEventAt: "2026-01-01T00:09:48.000Z",
        cursorLagSeconds: 0,
        queue: 1,
        failures: { labels: 2, "rule:notify": 1 },
      },
      {
        id: "edge",
        endpoint: "https://edge:2376",
        state: "down",
        queue: 0,
        failures: {},
        lastError: "refused",
      },
    ],
    engineFailures: { haproxy: 1 },
  }, now);
  assert.equal(
    text,
    `reactor 1.2.3: running, PID 42, up 10m, state directory /var/lib/reactor
config: /etc/reactor/reactor.yaml, loaded ${localTime(now - 300_000)} (5m ago), 2 reload(s)
queue: 1 container task(s)

HOST     STATE  API   LAST EVENT  CURSOR LAG  QUEUE  FAILURES (1H)  ENDPOINT
default  up     1.41  12s ago     0s          1      3              unix:///var/run/docker.sock
edge     down   -     -           -           0      0              https://edge:2376
default: failed in the last hour: labels 2, rule:notify 1
edge: refused
hooks not tied to a host, failed in the last hour: haproxy 1
`,
  );
});
