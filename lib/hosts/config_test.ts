import assert from "node:assert/strict";
import { ConfigError } from "../errors.ts";
import { contextDigest } from "./docker_cli.ts";
import { enabledHosts, parseDockerSection, parseHostsSection } from "./config.ts";

const HOME = "/home/u";

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  assert.fail("expected a ConfigError");
}

Deno.test("parseHostsSection() gives the seed default when the section is absent", () => {
  const hosts = parseHostsSection(undefined, { env: {}, home: HOME });
  assert.deepEqual(hosts.map((h) => [h.id, h.type, h.disabled]), [
    ["default", "external", false],
    ["local", "managed", true],
  ]);
  const def = hosts[0]!;
  assert.equal(def.host, "unix:///var/run/docker.sock");
  assert.equal(def.source, "built-in default");
  const local = hosts[1]!;
  assert.equal(local.host, "unix:///home/u/.cache/reactor-docker-host/docker.sock");
  assert.equal(local.source, "built-in default", "not `config`: no config file gave it");
  assert.equal(local.managed?.executable, "dockerd-rootless.sh");
  assert.deepEqual(local.managed?.args, [
    "--data-root=/home/u/.cache/reactor-docker-host/data-root/",
    "--exec-root=/home/u/.cache/reactor-docker-host/exec-root/",
    "--pidfile=/home/u/.cache/reactor-docker-host/docker.pid",
    "--host=unix:///home/u/.cache/reactor-docker-host/docker.sock",
  ]);
  assert.equal(local.managed?.pidfile, "/home/u/.cache/reactor-docker-host/docker.pid");
  assert.equal(local.managed?.rootlessStateDir, "/home/u/.cache/reactor-docker-host/state-dir");
  assert.deepEqual(local.managed?.healthCheck, { intervalMs: 1000, retries: 10 });
  assert.equal(local.managed?.logPrefix, "DOCKER HOST: ");
  assert.equal(local.managed?.onStale, "adopt");
  assert.deepEqual(enabledHosts(hosts).map((h) => h.id), ["default"]);
});

Deno.test("parseHostsSection() enables the default managed host via REACTOR_DOCKER_HOSTS_LOCAL_DISABLED", () => {
  const hosts = parseHostsSection(undefined, {
    env: {
      REACTOR_DOCKER_HOSTS_LOCAL_DISABLED: "false",
      REACTOR_DOCKER_HOSTS_LOCAL_MANAGED_EXECUTABLE: "/opt/dockerd-x",
      REACTOR_DOCKER_HOSTS_LOCAL_MANAGED_HEALTHCHECK_RETRIES: "3",
      REACTOR_DOCKER_HOSTS_LOCAL_MANAGED_HEALTHCHECK_INTERVAL: "250ms",
      REACTOR_DOCKER_HOSTS_LOCAL_MANAGED_ARGS: '["--debug", "--data-root=${HOME}/d"]',
    },
    home: HOME,
  });
  const local = hosts.find((h) => h.id === "local")!;
  assert.equal(local.disabled, false);
  assert.equal(local.managed?.executable, "/opt/dockerd-x");
  assert.deepEqual(local.managed?.healthCheck, { intervalMs: 250, retries: 3 });
  assert.deepEqual(local.managed?.args, [
    "--debug",
    "--data-root=/home/u/d",
    "--host=unix:///home/u/.cache/reactor-docker-host/docker.sock",
  ]);
});

Deno.test("parseHostsSection() env overrides create hosts and match ids with dashes", () => {
  const hosts = parseHostsSection({ "edge-1": { type: "external", host: "unix:///a.sock" } }, {
    env: {
      REACTOR_DOCKER_HOSTS_EDGE_1_HOST: "unix:///b.sock",
      REACTOR_DOCKER_HOSTS_BOX_TYPE: "remote",
      REACTOR_DOCKER_HOSTS_BOX_HOST: "ssh://me@box:2222/run/docker.sock",
      REACTOR_DOCKER_HOSTS_BOX_SSH_ARGS: "-i /k -o StrictHostKeyChecking=yes",
    },
    home: HOME,
  });
  assert.deepEqual(hosts.map((h) => [h.id, h.host]), [
    ["edge-1", "unix:///b.sock"],
    ["box", "ssh://me@box:2222/run/docker.sock"],
  ]);
  assert.deepEqual(hosts[1]!.sshArgs, ["-i", "/k", "-o", "StrictHostKeyChecking=yes"]);
  assert.equal(hosts[1]!.endpoint.kind, "ssh");
});

Deno.test("parseHostsSection() rejects bad env override values naming the variable", () => {
  const p = problemsOf(() =>
    parseHostsSection(undefined, {
      env: { REACTOR_DOCKER_HOSTS_LOCAL_DISABLED: "maybe", REACTOR_DOCKER_HOSTS_LOCAL_COLOR: "x" },
      home: HOME,
    })
  );
  assert.equal(p.length, 2);
  assert.match(p.join("\n"), /REACTOR_DOCKER_HOSTS_LOCAL_DISABLED: "maybe" is not a boolean/);
  assert.match(p.join("\n"), /REACTOR_DOCKER_HOSTS_LOCAL_COLOR: unknown parameter/);
});

Deno.test("parseHostsSection() accepts the seed's mixed-case keys and expands ${VAR}", () => {
  const hosts = parseHostsSection({
    rl: {
      type: "managed",
      host: "unix://${USER_CACHE_DIR}/h/docker.sock",
      managed: {
        executable: "dockerd",
        env: ["A=${FOO}"],
        args: ["--pidfile", "${USER_CACHE_DIR}/h/d.pid"],
        logLevel: "debug",
        LogPrefix: "RL: ",
        healthCheck: { interval: "2s", Retries: 4 },
        onStale: "restart",
        stopTimeout: "3s",
      },
    },
  }, { env: { FOO: "bar" }, home: HOME });
  const m = hosts[0]!.managed!;
  assert.deepEqual(m.env, ["A=bar"]);
  assert.deepEqual(m.args, [
    "--pidfile",
    "/home/u/.cache/h/d.pid",
    "--host=unix:///home/u/.cache/h/docker.sock",
  ]);
  assert.equal(m.pidfile, "/home/u/.cache/h/d.pid");
  assert.equal(m.logLevel, "debug");
  assert.equal(m.logPrefix, "RL: ");
  assert.deepEqual(m.healthCheck, { intervalMs: 2000, retries: 4 });
  assert.equal(m.onStale, "restart");
  assert.equal(m.stopTimeoutMs, 3000);
});

Deno.test("parseHostsSection() uses the managed user's home for ${USER_CACHE_DIR}", () => {
  const hosts = parseHostsSection({
    rl: { type: "managed", host: "unix://${USER_CACHE_DIR}/s.sock", managed: { user: "rlt" } },
  }, { env: {}, home: "/root", userHome: (u) => u === "rlt" ? "/home/rlt" : undefined });
  assert.equal(hosts[0]!.host, "unix:///home/rlt/.cache/s.sock");
  assert.equal(hosts[0]!.managed?.user, "rlt");
  assert.equal(hosts[0]!.managed?.home, "/home/rlt");
});

Deno.test("parseHostsSection() reports every problem with its field path", () => {
  const p = problemsOf(() =>
    parseHostsSection({
      r: { type: "remote" },
      t: { type: "cloud" },
      m: { type: "managed", host: "tcp://1.2.3.4:2375" },
      x: { type: "external", host: "http://h:2375", clienttls: { ca: "/ca.pem" } },
      y: { type: "external", hots: "unix:///x" },
      z: {
        type: "managed",
        host: "unix:///z.sock",
        managed: { healthcheck: { interval: "soon" } },
      },
      v: { host: "unix://${NOPE}/x.sock" },
      w: { host: "ssh://me@box/run/x;reboot" },
    }, { file: "reactor.yaml", env: {}, home: HOME })
  );
  const text = p.join("\n");
  assert.match(text, /reactor\.yaml: docker\.hosts\.r\.host: required for "type: remote"/);
  assert.match(text, /docker\.hosts\.t\.type: "cloud" is not a host type/);
  assert.match(text, /docker\.hosts\.m\.host: a managed host listens on a unix socket/);
  assert.match(text, /docker\.hosts\.x\.clienttls: only used with https:\/\//);
  assert.match(text, /docker\.hosts\.y\.hots: unknown setting/);
  assert.match(text, /docker\.hosts\.z\.managed\.healthCheck\.interval: "soon" is not a duration/);
  assert.match(text, /docker\.hosts\.v\.host: \$\{NOPE\} is not set/);
  assert.match(
    text,
    /docker\.hosts\.w\.host: the remote socket path "\/run\/x;reboot" may only contain/,
  );
});

Deno.test("parseHostsSection() treats an external host without host as the local socket", () => {
  const hosts = parseHostsSection({ other: { type: "external" } }, {
    env: { DOCKER_HOST: "tcp://10.0.0.1:2375" },
    home: HOME,
  });
  assert.equal(hosts[0]!.host, "unix:///var/run/docker.sock");
});

Deno.test("parseHostsSection() feeds DOCKER_HOST and DOCKER_TLS_VERIFY into default", () => {
  const dir = Deno.makeTempDirSync();
  try {
    for (const f of ["ca.pem", "cert.pem", "key.pem"]) Deno.writeTextFileSync(`${dir}/${f}`, "x");
    const hosts = parseHostsSection({ default: { type: "external" } }, {
      env: { DOCKER_HOST: "tcp://10.1.2.3:2376", DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: dir },
      home: HOME,
    });
    const d = hosts[0]!;
    assert.equal(d.host, "https://10.1.2.3:2376");
    assert.equal(d.source, "DOCKER_HOST");
    assert.deepEqual(d.clientTls, {
      ca: `${dir}/ca.pem`,
      cert: `${dir}/cert.pem`,
      key: `${dir}/key.pem`,
    });
    // Plain tcp gets a warning.
    const plain = parseHostsSection(undefined, {
      env: { DOCKER_HOST: "tcp://10.1.2.3:2375" },
      home: HOME,
    });
    assert.equal(plain[0]!.host, "http://10.1.2.3:2375");
    assert.match(plain[0]!.warnings.join(), /unencrypted/);
    // -H beats DOCKER_HOST and an explicit default.host.
    const flag = parseHostsSection({ default: { host: "unix:///cfg.sock" } }, {
      env: { DOCKER_HOST: "tcp://10.1.2.3:2375" },
      home: HOME,
      hostFlag: "unix:///flag.sock",
    });
    assert.equal(flag[0]!.host, "unix:///flag.sock");
    assert.equal(flag[0]!.source, "-H");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("parseHostsSection() resolves DOCKER_CONTEXT and currentContext, DOCKER_HOST beats both", () => {
  const home = Deno.makeTempDirSync();
  try {
    const cfgDir = `${home}/.docker`;
    const mk = (name: string, host: string, tls: boolean) => {
      const d = contextDigest(name);
      Deno.mkdirSync(`${cfgDir}/contexts/meta/${d}`, { recursive: true });
      Deno.writeTextFileSync(
        `${cfgDir}/contexts/meta/${d}/meta.json`,
        JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: host } } }),
      );
      if (tls) {
        Deno.mkdirSync(`${cfgDir}/contexts/tls/${d}/docker`, { recursive: true });
        for (const f of ["ca.pem", "cert.pem", "key.pem"]) {
          Deno.writeTextFileSync(`${cfgDir}/contexts/tls/${d}/docker/${f}`, "x");
        }
      }
      return d;
    };
    const d1 = mk("tls1", "tcp://127.0.0.1:2376", true);
    mk("cur", "ssh://me@box", false);
    Deno.writeTextFileSync(`${cfgDir}/config.json`, JSON.stringify({ currentContext: "cur" }));
    assert.equal(contextDigest("tls1").length, 64);

    const cur = parseHostsSection(undefined, { env: {}, home })[0]!;
    assert.equal(cur.host, "ssh://me@box");
    assert.equal(cur.source, 'context "cur"');

    const viaEnv = parseHostsSection(undefined, { env: { DOCKER_CONTEXT: "tls1" }, home })[0]!;
    assert.equal(viaEnv.host, "https://127.0.0.1:2376");
    assert.equal(viaEnv.clientTls?.ca, `${cfgDir}/contexts/tls/${d1}/docker/ca.pem`);

    const beaten = parseHostsSection(undefined, {
      env: { DOCKER_CONTEXT: "tls1", DOCKER_HOST: "unix:///x.sock" },
      home,
    })[0]!;
    assert.equal(beaten.host, "unix:///x.sock");

    const p = problemsOf(() =>
      parseHostsSection(undefined, { env: { DOCKER_CONTEXT: "nope" }, home })
    );
    assert.match(
      p[0]!,
      /docker\.hosts\.default\.host: Docker context "nope" \(from DOCKER_CONTEXT\)/,
    );
  } finally {
    Deno.removeSync(home, { recursive: true });
  }
});

Deno.test("parseDockerSection() takes the docker section and rejects unknown keys", () => {
  const hosts = parseDockerSection({ Hosts: { a: { host: "unix:///a.sock" } } }, {
    env: {},
    home: HOME,
  });
  assert.deepEqual(hosts.map((h) => h.id), ["a"]);
  assert.equal(parseDockerSection(undefined, { env: {}, home: HOME }).length, 2);
  const p = problemsOf(() =>
    parseDockerSection({ host: {} }, { file: "r.yaml", env: {}, home: HOME })
  );
  assert.match(p[0]!, /r\.yaml: docker\.host: unknown key/);
});

Deno.test("parseDockerSection() accepts the README's Docker hosts example", async () => {
  const { parse } = await import("yaml");
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  const section = readme.slice(readme.indexOf("## Docker hosts"));
  const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block, "README has a yaml block in the Docker hosts section");
  const hosts = parseDockerSection((parse(block) as { docker: unknown }).docker, {
    file: "README.md",
    env: {},
    home: "/root",
    userHome: (u) => u === "builder" ? "/home/builder" : undefined,
  });
  assert.deepEqual(hosts.map((h) => [h.id, h.type, h.endpoint.kind]), [
    ["default", "external", "unix"],
    ["edge", "remote", "tcp"],
    ["lab", "remote", "ssh"],
    ["local", "managed", "unix"],
  ]);
  assert.equal(hosts[3]!.host, "unix:///home/builder/.cache/reactor-docker-host/docker.sock");
  assert.equal(
    hosts[3]!.managed?.rootlessStateDir,
    "/home/builder/.cache/reactor-docker-host/state-dir",
  );
});

Deno.test("parseHostsSection(): a host set by REACTOR_DOCKER_HOSTS_<ID>_HOST names the variable", () => {
  const env = { REACTOR_DOCKER_HOSTS_LOCAL_HOST: "unix:///run/x.sock" };
  const builtIn = parseHostsSection(undefined, { env, home: HOME });
  assert.equal(builtIn.find((h) => h.id === "local")!.source, "REACTOR_DOCKER_HOSTS_LOCAL_HOST");
  const fromFile = parseHostsSection(
    { edge: { type: "remote", host: "ssh://ops@edge" } },
    { env: {}, home: HOME },
  );
  assert.equal(fromFile[0]!.source, "config");
});
