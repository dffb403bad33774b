import assert from "node:assert/strict";
import { FailureWindow } from "./failures.ts";
import { buildStatus, parseStatus } from "./model.ts";

const NANO = (ms: number) => (BigInt(ms) * 1_000_000n).toString();

Deno.test("buildStatus() reports per host: state, API, last event, cursor lag, queue, failures", () => {
  const failures = new FailureWindow();
  failures.record("default", "labels", 1_000);
  const s = buildStatus({
    version: "1.2.3",
    pid: 42,
    startedAt: 0,
    stateDir: "/var/lib/reactor",
    engine: {
      pending: 3,
      hostStatus: () => [
        {
          id: "default",
          describe: "unix:///var/run/docker.sock",
          state: "up",
          apiVersion: "1.41",
          engineVersion: "20.10",
          lastEventAt: 1_500,
          cursor: NANO(1_000),
          newestEvent: NANO(3_500),
          inflight: 2,
          lastError: "old",
        },
        { id: "edge", describe: "https://edge:2376", state: "down", lastError: "refused" },
      ],
    },
    failures,
    config: () => ({
      files: ["/etc/reactor/reactor.yaml"],
      loadedAt: "2026-01-01T00:00:00.000Z",
      reloads: 1,
    }),
  }, 2_000);
  assert.deepEqual(s.hosts, [
    {
      id: "default",
      endpoint: "unix:///var/run/docker.sock",
      state: "up",
      apiVersion: "1.41",
      engineVersion: "20.10",
      lastEventAt: "1970-01-01T00:00:01.500Z",
      cursorLagSeconds: 2.5,
      queue: 2,
      failures: { labels: 1 },
    },
    {
      id: "edge",
      endpoint: "https://edge:2376",
      state: "down",
      queue: 0,
      failures: {},
      lastError: "refused",
    },
  ]);
  assert.equal(s.queueDepth, 3);
  assert.equal(s.startedAt, "1970-01-01T00:00:00.000Z");
  assert.deepEqual(parseStatus(JSON.parse(JSON.stringify(s))), s, "round trip");
});

Deno.test("parseStatus() names the field that is wrong", () => {
  assert.throws(() => parseStatus([]), /status is not an object/);
  const ok = {
    version: "1",
    pid: 1,
    startedAt: "x",
    stateDir: "/s",
    queueDepth: 0,
    config: { files: [], loadedAt: "x", reloads: 0 },
    hosts: [{ id: "a", endpoint: "e", state: "up", queue: 0, failures: {} }],
    engineFailures: {},
  };
  assert.equal(parseStatus(ok).hosts[0]!.id, "a");
  assert.throws(
    () => parseStatus({ ...ok, hosts: [{ ...ok.hosts[0], queue: "2" }] }),
    /status\.hosts\[0\]\.queue is missing or has the wrong type/,
  );
  assert.throws(
    () => parseStatus({ ...ok, engineFailures: { haproxy: "1" } }),
    /status\.engineFailures\.haproxy is not a number/,
  );
});
