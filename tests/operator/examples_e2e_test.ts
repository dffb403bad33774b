/**
 * The README quick start and `examples/docker-compose.yaml` work as written (issue 11), against
 * a private dockerd (DOCKER_HOST) and a private state directory (REACTOR_STATE_DIR): the quick
 * start's shell block runs in bash exactly as printed; the compose example runs with
 * `docker-compose` (Debian's 1.29) and reactor applies its labels and runs `start.web`.
 */
import assert from "node:assert/strict";
import { startDockerd, waitFor } from "../harness/dockerd.ts";
import { ROOT, startDeno, type TestProcess } from "../harness/process.ts";
import { exec } from "../../lib/exec/run.ts";
import { lockHolder } from "../../lib/daemon/state_lock.ts";

const d = await startDockerd();
const ANY = Array.from({ length: 256 }, (_, i) => i);

/** The first ```sh block after a heading. */
async function shellBlock(heading: string): Promise<string> {
  const readme = await Deno.readTextFile(`${ROOT}/README.md`);
  const at = readme.indexOf(`\n${heading}\n`);
  assert.ok(at >= 0, heading);
  const m = /\n```sh\n([\s\S]*?)\n```\n/.exec(readme.slice(at));
  assert.ok(m, `a sh block after ${heading}`);
  return m[1]!;
}

async function stopHolder(state: string): Promise<void> {
  const h = await lockHolder(state);
  if (h?.pid) {
    try {
      Deno.kill(h.pid, "SIGKILL");
    } catch { /* gone */ }
  }
}

Deno.test("the README quick start works as written", async () => {
  const state = await Deno.makeTempDir({ prefix: "rx-op-qs-state-" });
  const tmp = await Deno.makeTempDir({ prefix: "rx-op-qs-tmp-" });
  try {
    const script = await shellBlock("## Quick start");
    await Deno.writeTextFile(`${tmp}/quickstart.sh`, script);
    const r = await exec(["bash", "-O", "expand_aliases", `${tmp}/quickstart.sh`], {
      cwd: ROOT,
      env: { DOCKER_HOST: d.host, REACTOR_STATE_DIR: state, TMPDIR: tmp, NO_COLOR: "1" },
      okCodes: ANY,
      timeoutMs: 180_000,
    });
    const all = `${r.stdout}\n${r.stderr}`;
    assert.equal(r.code, 0, all);
    assert.match(r.stdout, /^10\.50\.0\.0\/24 dev eth0 scope link/m, all);
    assert.match(r.stderr, /Networking labels processed host=default container=qs .*applied=1/);
    assert.match(
      r.stdout,
      /\n {9}\$ nsenter --net=\S+ -- ip route replace 10\.50\.0\.0\/24 dev eth0 {3}# in the container's netns\n/,
    );
    assert.match(r.stdout, /\nHOST +STATE .*\ndefault +up +1\.\d+ /);
    // `kill $!` reached the daemon: it stops and lets go of the state directory
    await waitFor(async () => !(await lockHolder(state)), { what: "the daemon to exit" });
  } finally {
    await stopHolder(state);
    await d.docker("rm", "-f", "qs").catch(() => {});
    await Deno.remove(state, { recursive: true });
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("examples/docker-compose.yaml works with docker-compose and reactor end to end", async () => {
  const state = await Deno.makeTempDir({ prefix: "rx-op-compose-state-" });
  const scripts = await Deno.makeTempDir({ prefix: "rx-op-compose-scripts-" });
  await Deno.chmod(scripts, 0o755);
  await Deno.copyFile(`${ROOT}/examples/scripts/start.web`, `${scripts}/start.web`);
  await Deno.chmod(`${scripts}/start.web`, 0o755);
  // addresses of this test's own: the example's defaults, moved (as its comment explains)
  const net = `10.215.${d.index}`;
  const route = `10.216.${d.index}.0/24`;
  const env = {
    DOCKER_HOST: d.host,
    REACTOR_EXAMPLE_NET: net,
    REACTOR_EXAMPLE_ROUTE: route,
  };
  const compose = (...args: string[]) =>
    exec([
      "docker-compose",
      "-f",
      `${ROOT}/examples/docker-compose.yaml`,
      "-p",
      `rxex${d.index}`,
      ...args,
    ], {
      env,
      timeoutMs: 120_000,
    });
  const hostRoute = async () =>
    (await exec(["ip", "route", "show", route])).stdout.includes(`via ${net}.10`);
  let p: TestProcess | undefined;
  try {
    const version = await exec(["docker-compose", "version", "--short"]);
    assert.match(version.stdout, /^\d+\.\d+/);
    p = startDeno(
      "main.ts",
      ["-H", d.host, "--state-dir", state, "run", "--scripts-dir", scripts],
      {
        NO_COLOR: "1",
      },
    );
    await p.waitForOutput(/Connected to/);
    await compose("up", "-d");
    const pid = Number(await d.docker("inspect", "-f", "{{.State.Pid}}", "web"));
    const inWeb = async (...args: string[]) =>
      (await exec(["nsenter", "-n", "-t", String(pid), "ip", ...args])).stdout;
    await waitFor(async () => (await inWeb("route")).includes("10.30.0.0/16 dev eth0"), {
      what: "routes in web",
    });
    assert.match(
      await inWeb("route"),
      new RegExp(`10\\.20\\.0\\.0/16 via ${net.replaceAll(".", "\\.")}\\.1 dev eth0`),
    );
    assert.match(await inWeb("-4", "address", "show", "eth0"), /inet 192\.168\.77\.10\/24/);
    await waitFor(hostRoute, { what: "the host route" });
    // start.web: policy routing via the gateway it read from the container
    await p.waitForOutput(
      new RegExp(
        `policy route: from ${net.replaceAll(".", "\\.")}\\.10 via ${
          net.replaceAll(".", "\\.")
        }\\.1 \\(table 100\\)`,
      ),
    );
    assert.match(
      await inWeb("route", "show", "table", "100"),
      new RegExp(`default via ${net.replaceAll(".", "\\.")}\\.1`),
    );
    assert.match(
      await inWeb("rule"),
      new RegExp(`from ${net.replaceAll(".", "\\.")}\\.10 lookup 100`),
    );
    await compose("down", "-t", "1");
    await waitFor(async () => !(await hostRoute()), { what: "the host route removed" });
    p.kill("SIGTERM");
    assert.equal(await p.wait(), 0, p.output());
    assert.doesNotMatch(p.output(), /ERROR|WARN {2}(?!Host unavailable)/, p.output());
    p = undefined;
  } finally {
    if (p) {
      p.kill("SIGKILL");
      await p.wait();
    }
    await compose("down", "-t", "1").catch(() => {});
    await exec(["ip", "route", "del", route], { okCodes: ANY });
    await Deno.remove(state, { recursive: true });
    await Deno.remove(scripts, { recursive: true });
  }
});

Deno.test("teardown: stop the private dockerd", async () => {
  await d.close();
});
