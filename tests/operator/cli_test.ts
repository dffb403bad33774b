/**
 * The CLI habits a docker user brings (issue 11), through main.ts against a real private
 * dockerd: --version, the help hint after usage errors, `hosts -H foo`, `check` without a config,
 * `events --since/--until/--filter`, `simulate` (live inspect, `--container -`, `--execute` exit
 * code), shell completion, `install -c`.
 */
import assert from "node:assert/strict";
import { startDockerd } from "../harness/dockerd.ts";
import { ROOT } from "../harness/process.ts";
import { exec } from "../../lib/exec/run.ts";

const d = await startDockerd();
const state = await Deno.makeTempDir({ prefix: "rx-op-cli-" });

async function reactor(
  args: string[],
  opts: { env?: Record<string, string>; stdin?: string } = {},
) {
  const r = await exec([Deno.execPath(), "run", "-A", `${ROOT}/main.ts`, ...args], {
    cwd: ROOT,
    env: opts.env,
    stdin: opts.stdin,
    okCodes: Array.from({ length: 256 }, (_, i) => i),
    timeoutMs: 60_000,
  });
  return { code: r.code, out: r.stdout + r.stderr, stdout: r.stdout };
}

Deno.test("--version and -V print the version", async () => {
  for (const flag of ["--version", "-V"]) {
    const r = await reactor([flag]);
    assert.equal(r.code, 0);
    assert.match(r.out, /^reactor \d+\.\d+\.\d+ \(deno \d/);
  }
});

Deno.test("a usage error ends with the help hint of the command", async () => {
  const flag = await reactor(["run", "--no-such-flag"]);
  assert.equal(flag.code, 2);
  assert.equal(flag.out, "error: unknown option '--no-such-flag'\nSee 'reactor run --help'.\n");
  const cmd = await reactor(["frobnicate"]);
  assert.equal(cmd.code, 2);
  assert.equal(cmd.out, "error: unknown command 'frobnicate'\nSee 'reactor --help'.\n");
  const value = await reactor(["-H", d.host, "once", "--concurrency", "0"]);
  assert.equal(value.code, 2);
  assert.equal(
    value.out,
    `reactor: Invalid --concurrency "0": use a whole number >= 1\nSee 'reactor once --help'.\n`,
  );
});

Deno.test("hosts -H foo prints one line naming -H", async () => {
  const r = await reactor(["hosts", "-H", "foo"]);
  assert.equal(r.code, 2);
  assert.equal(
    r.out,
    `-H: Invalid Docker host "foo": expected unix:///path, tcp://host:port, http(s)://host:port or ssh://user@host\n`,
  );
});

Deno.test("check without a config lists the built-in hosts with their real source", async () => {
  const r = await reactor(["check"], { env: { REACTOR_CONFIG: "" } });
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /^config: embedded default/);
  assert.match(r.out, /\nhost +default +(built-in default|DOCKER_HOST|context "\S+") +external /);
  assert.match(r.out, /\nhost +local +built-in default +managed +unix:\/\/.* \(disabled\)\n/);
  assert.doesNotMatch(r.out, /\nhost .* config /);
});

Deno.test("events --since/--until/--filter read like docker events and exit at --until", async () => {
  const before = Math.floor(Date.now() / 1000) - 1;
  await d.runContainer("ev-a");
  await d.runContainer("ev-b");
  await d.docker("volume", "create", "ev-vol");
  const r = await reactor([
    "-H",
    d.host,
    "--state-dir",
    state,
    "events",
    "--since",
    String(before),
    "--until",
    "0s",
    "--filter",
    "container=ev-a",
    "--filter",
    "event=start",
    "--json",
  ]);
  assert.equal(r.code, 0, r.out);
  const events = r.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
  assert.deepEqual(events.map((e) => [e.name, e.action]), [["ev-a", "start"]]);
  const types = await reactor([
    "-H",
    d.host,
    "--state-dir",
    state,
    "events",
    "--since",
    "1m",
    "--until",
    "0s",
    "--filter",
    "type=volume",
  ]);
  assert.equal(types.code, 0, types.out);
  assert.match(types.stdout, / default volume create ev-vol/);
  assert.doesNotMatch(types.stdout, / container /);
  const bad = await reactor(["events", "--filter", "colour=red"]);
  assert.equal(bad.code, 2);
  assert.match(bad.out, /Invalid --filter "colour=red": unknown key "colour"/);
  await d.docker("rm", "-f", "ev-a", "ev-b");
  await d.docker("volume", "rm", "ev-vol");
});

Deno.test("simulate inspects the live container, reads --container -, and --execute exits 1 on failure", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rx-op-sim-" });
  try {
    await d.runContainer("sim-web", {
      labels: { "docker-events.route": "add 10.50.0.0/24 dev eth0" },
    });
    const sandbox = await d.docker("inspect", "-f", "{{.NetworkSettings.SandboxKey}}", "sim-web");
    const ip = await d.docker("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "sim-web");
    const ev = await reactor([
      "-H",
      d.host,
      "--state-dir",
      state,
      "events",
      "--since",
      "1m",
      "--until",
      "0s",
      "--filter",
      "container=sim-web",
      "--filter",
      "event=start",
      "--raw",
    ]);
    await Deno.writeTextFile(`${dir}/ev.json`, ev.stdout.trim().split("\n").pop()!);
    await Deno.writeTextFile(
      `${dir}/rules.yaml`,
      `events_reactor:\n  announce:\n    event: { action: start }\n    run: ["echo", "%%name%% at %%ip%%"]\n  broken:\n    event: { action: start }\n    run: ["false"]\n`,
    );
    const common = ["-H", d.host, "--state-dir", state, "simulate", "--event", `${dir}/ev.json`];
    const cfg = ["-c", `${dir}/rules.yaml`, "--insecure-config"];
    const live = await reactor([...common, ...cfg]);
    assert.equal(live.code, 0, live.out);
    assert.match(
      live.stdout,
      new RegExp(
        `\\ncontainer: sim-web [0-9a-f]{12}, running, pid \\d+, ip ${
          ip.replaceAll(".", "\\.")
        } \\(inspected live on ${d.host}\\)\\n`,
      ),
    );
    assert.ok(
      live.stdout.includes(
        `MATCH  hook     labels\n         $ nsenter --net=${sandbox} -- ip route replace 10.50.0.0/24 dev eth0   # in the container's netns\n`,
      ),
      live.stdout,
    );
    assert.ok(
      live.stdout.includes(`MATCH  rule     announce\n         $ echo 'sim-web at ${ip}'\n`),
      live.stdout,
    );
    // the same from stdin, without asking the engine
    const inspect = await d.docker("inspect", "sim-web");
    const stdin = await reactor([...common, "--container", "-", ...cfg], { stdin: inspect });
    assert.equal(stdin.code, 0, stdin.out);
    assert.match(
      stdin.stdout,
      /\ncontainer: sim-web [0-9a-f]{12}, running, pid \d+, ip \S+ \(from stdin\)\n/,
    );
    // --execute: exit 1 because `broken` fails, like `reactor once`
    const run = await reactor([...common, ...cfg, "--execute", "--host-routes", "deny"]);
    assert.equal(run.code, 1, run.out);
    assert.ok(
      run.stdout.includes(
        "\nok      labels\nok      rule:announce\nFAILED  rule:broken: Command `false` exited with code 1\n",
      ),
      run.stdout,
    );
  } finally {
    await d.docker("rm", "-f", "sim-web").catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("completion bash completes commands, flags and values in a real bash", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rx-op-compl-" });
  try {
    const r = await reactor(["completion", "bash"]);
    assert.equal(r.code, 0, r.out);
    await Deno.writeTextFile(`${dir}/reactor.bash`, r.stdout);
    const complete = async (...words: string[]) => {
      const script = `source ${dir}/reactor.bash
COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}
_reactor; printf '%s\\n' "\${COMPREPLY[@]}"`;
      return (await exec(["bash", "-c", script])).stdout.trim().split("\n").filter(Boolean).sort();
    };
    assert.deepEqual(await complete("reactor", "st"), ["status"]);
    assert.deepEqual(await complete("reactor", "run", "--scr"), [
      "--script-timeout",
      "--scripts-dir",
    ]);
    assert.deepEqual(await complete("reactor", "-H", "unix:///x", "simulate", "--host-"), [
      "--host-id",
      "--host-name",
      "--host-routes",
    ]);
    assert.deepEqual(await complete("reactor", "--log-level", "w"), ["warn"]);
    assert.deepEqual(await complete("reactor", "completion", ""), ["bash", "fish", "zsh"]);
    for (const shell of ["zsh", "fish"]) {
      const s = await reactor(["completion", shell]);
      assert.equal(s.code, 0, s.out);
      for (const word of ["status", "host-id", "log-level", "filter", "completion"]) {
        assert.ok(s.stdout.includes(word), `${shell}: ${word}`);
      }
    }
    const bad = await reactor(["completion", "tcsh"]);
    assert.equal(bad.code, 2);
    assert.match(bad.out, /Unknown shell "tcsh": use bash, zsh, fish/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("install takes -c like run (repeatable, made absolute)", async () => {
  const r = await reactor([
    "--state-dir",
    "/var/lib/reactor",
    "install",
    "--print",
    "-c",
    "rules.yaml",
    "--config",
    "/etc/reactor/reactor.config.ts",
  ]);
  assert.equal(r.code, 0, r.out);
  assert.match(
    r.stdout,
    new RegExp(
      `\\nExecStart=.* run --state-dir=/var/lib/reactor --config=${ROOT}/rules\\.yaml --config=/etc/reactor/reactor\\.config\\.ts\\n`,
    ),
  );
});

Deno.test("teardown: stop the private dockerd", async () => {
  await d.close();
  await Deno.remove(state, { recursive: true });
});
