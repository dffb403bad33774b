/**
 * The CLI with several hosts: `reactor hosts [--json]` (state, versions, last event age, exit
 * code) and `reactor events` following two configured hosts at once. Hosts come from `-H` and
 * `REACTOR_DOCKER_HOSTS_<ID>_<PARAM>` overrides (no config file needed).
 */
import assert from "node:assert/strict";
import { startDockerd } from "../harness/dockerd.ts";
import { startDeno } from "../harness/process.ts";

const d = await startDockerd({ image: false });
const state = await Deno.makeTempDir({ prefix: "reactor-hosts-cli-" });

async function reactor(args: string[], env: Record<string, string> = {}) {
  const p = startDeno("main.ts", args, env);
  const code = await p.wait();
  return { code, out: p.output() };
}

Deno.test("reactor hosts --json lists every host with state, versions and last event age", async () => {
  const since = (BigInt(Date.now() - 90_000) * 1_000_000n).toString();
  await Deno.mkdir(`${state}/hosts`, { recursive: true });
  await Deno.writeTextFile(
    `${state}/hosts/default.json`,
    JSON.stringify({
      version: 1,
      hostId: "default",
      endpoint: d.host,
      since,
      recent: [],
      updatedAt: "",
    }),
  );
  const r = await reactor(["-H", d.host, "--state-dir", state, "hosts", "--json"]);
  assert.equal(r.code, 0, r.out);
  const rows = JSON.parse(r.out.slice(r.out.indexOf("[")));
  assert.deepEqual(rows.map((x: { id: string; state: string }) => [x.id, x.state]), [
    ["default", "up"],
    ["local", "disabled"],
  ]);
  const def = rows[0];
  assert.equal(def.type, "external");
  assert.equal(def.endpoint, d.host);
  assert.equal(def.source, "-H");
  assert.match(def.apiVersion, /^1\.\d+$/);
  assert.ok(def.engineVersion.length > 0);
  assert.ok(def.lastEventAgeSeconds >= 89 && def.lastEventAgeSeconds < 600);

  // the same host id pointed at another engine: that cursor is not its last event
  const other = await reactor([
    "-H",
    "unix:///nonexistent.sock",
    "--state-dir",
    state,
    "hosts",
  ]);
  assert.equal(other.code, 1, other.out);
  assert.match(
    other.out,
    /^default\s+external\s+unix:\/\/\/nonexistent\.sock\s+down\s+-\s+-\s+-$/m,
  );
});

Deno.test("reactor hosts exits 1 and names the host when an enabled host is unreachable", async () => {
  const r = await reactor(["-H", d.host, "--state-dir", state, "hosts"], {
    REACTOR_DOCKER_HOSTS_GONE_HOST: "unix:///tmp/rt/no-such-daemon.sock",
  });
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /^ID\s+TYPE\s+ENDPOINT\s+STATE\s+API\s+ENGINE\s+LAST EVENT$/m);
  assert.match(r.out, /^default\s+external\s+unix:\/\/\S+\s+up\s+1\.\d+/m);
  assert.match(r.out, /^gone\s+external\s+unix:\/\/\/tmp\/rt\/no-such-daemon\.sock\s+down/m);
  assert.match(r.out, /^gone: Cannot connect to Docker at .*no-such-daemon\.sock \(host "gone"\)/m);
});

Deno.test("reactor hosts reports a bad override as a config error (exit 2)", async () => {
  const r = await reactor(["-H", d.host, "hosts"], {
    REACTOR_DOCKER_HOSTS_LOCAL_DISABLED: "sometimes",
  });
  assert.equal(r.code, 2, r.out);
  assert.match(r.out, /REACTOR_DOCKER_HOSTS_LOCAL_DISABLED: "sometimes" is not a boolean/);
});

Deno.test("reactor events follows every configured host, each event tagged with its host", async () => {
  const p = startDeno("main.ts", ["-H", d.host, "--state-dir", state, "events", "--json"], {
    REACTOR_DOCKER_HOSTS_TWIN_HOST: d.host,
  });
  try {
    await p.waitForOutput(/Connected to[\s\S]*Connected to/);
    await d.docker("volume", "create", "cli-vol");
    await p.waitForOutput(/"host":"twin".*cli-vol|cli-vol.*"host":"twin"/);
    await p.waitForOutput(/"host":"default".*cli-vol|cli-vol.*"host":"default"/);
  } finally {
    p.kill("SIGTERM");
  }
  assert.equal(await p.wait(), 0);
});

Deno.test("teardown: stop dockerd", async () => {
  await d.close();
  await Deno.remove(state, { recursive: true }).catch(() => {});
});
