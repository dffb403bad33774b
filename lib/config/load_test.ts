import assert from "node:assert/strict";
import { loadConfig, type LoadOptions } from "./load.ts";
import { BUILTIN_HOOKS } from "../../hooks/mod.ts";
import { ConfigError } from "../errors.ts";

/**
 * Broken configs and the exact one-line problem each must produce (`FILE` is the config file's
 * path, `DIR` its directory). `reactor check` prints exactly these lines.
 */
/** Load with the built-in hooks and an empty environment for host resolution. */
function load(paths: string[], opts: LoadOptions = {}) {
  return loadConfig(paths, {
    registry: BUILTIN_HOOKS,
    hosts: { env: {}, home: "/root" },
    ...opts,
  });
}

const BROKEN: { name: string; file: string; text: string; expected: string[] }[] = [
  {
    name: "YAML syntax error",
    file: "a.yaml",
    text: "events_reactor:\n  r:\n    run: [a, b\n",
    expected: [
      "FILE:4:1: Flow sequence in block collection must be sufficiently indented and end with a ] — check indentation and closing brackets/quotes on this line",
    ],
  },
  {
    name: "duplicate key",
    file: "a.yaml",
    text: "events_reactor:\n  r:\n    run: [a]\n    run: [b]\n",
    expected: [
      "FILE:4:5: Map keys must be unique — each key may appear once: rename or merge the duplicate",
    ],
  },
  {
    name: "tab indentation",
    file: "a.yaml",
    text: "events_reactor:\n\tr:\n",
    expected: ["FILE:2:1: Tabs are not allowed as indentation — indent with spaces, not tabs"],
  },
  {
    name: "empty file",
    file: "a.yaml",
    text: "",
    expected: [
      "FILE:1:1: the file is empty — add an events_reactor: map of rules (see examples/reactor.yaml)",
    ],
  },
  {
    name: "rules as a list",
    file: "a.yaml",
    text: "events_reactor:\n  - run: [a]\n",
    expected: [
      'FILE:2:3: events_reactor: must be a map from rule name to { event, run }, not a list — write "My rule:" then run: […] under it (drop the "- ")',
    ],
  },
  {
    name: "unknown top-level key",
    file: "a.yaml",
    text: "event_reactor:\n  r:\n    run: [a]\n",
    expected: [
      'FILE:1:1: event_reactor: unknown key (did you mean "events_reactor"?) — reactor.yaml takes events_reactor, hooks, docker, glue, metrics',
    ],
  },
  {
    name: "run as a string",
    file: "a.yaml",
    text: "events_reactor:\n  r:\n    run: notify-send %%name%%\n",
    expected: [
      'FILE:3:10: events_reactor.r.run: must be a list of argv strings, not one string — write run: ["notify-send", "%%name%%"] (no shell is used)',
    ],
  },
  {
    name: "missing run",
    file: "a.yaml",
    text: "events_reactor:\n  r:\n    event: { type: container }\n",
    expected: [
      'FILE:2:3: events_reactor.r: missing run: — add run: ["program", "arg", …] (argv, no shell) or webhook: { url: … }',
    ],
  },
  {
    name: "empty run",
    file: "a.yaml",
    text: "events_reactor:\n  r:\n    run: []\n",
    expected: [
      'FILE:3:10: events_reactor.r.run: is empty — give at least the program: run: ["program"]',
    ],
  },
  {
    name: "number in argv",
    file: "a.yaml",
    text: "events_reactor:\n  r:\n    run: [nc, 127.0.0.1, 8080]\n",
    expected: [
      'FILE:3:26: events_reactor.r.run[2]: an argv element must be a string, got number 8080 — quote it: "8080"',
    ],
  },
  {
    name: "unknown template key",
    file: "a.yaml",
    text: 'events_reactor:\n  Notify:\n    run: [notify, "%%container%%"]\n',
    expected: [
      "FILE:3:19: events_reactor.Notify.run[1]: unknown template key %%container%% — use one of action, type, scope, time, id, actor.id, actor.name, name, image, ip, host, hostid, payload, actor.attributes.<name> or label.<name>",
    ],
  },
  {
    name: "unterminated template",
    file: "a.yaml",
    text: 'events_reactor:\n  r:\n    run: [notify, "%%name"]\n',
    expected: [
      'FILE:3:19: events_reactor.r.run[1]: unterminated %% in "%%name" — close it as %%key%%',
    ],
  },
  {
    name: "misspelled event key",
    file: "a.yaml",
    text: "events_reactor:\n  r:\n    event: { type: container, acton: start }\n    run: [a]\n",
    expected: [
      'FILE:3:31: events_reactor.r.event.acton: unknown key (did you mean "action"?) — event matches on type, action, scope, actor, labels',
    ],
  },
  {
    name: "misspelled actor key",
    file: "a.yaml",
    text: "events_reactor:\n  r:\n    event:\n      actor: { nmae: web }\n    run: [a]\n",
    expected: [
      'FILE:4:16: events_reactor.r.event.actor.nmae: unknown key (did you mean "name"?) — actor matches on id, name, attributes',
    ],
  },
  {
    name: "bad regex",
    file: "a.yaml",
    text: 'events_reactor:\n  r:\n    event: { action: "/sta(rt/" }\n    run: [a]\n',
    expected: [
      "FILE:3:22: events_reactor.r.event.action: invalid regular expression /sta(rt/: Unterminated group — fix the regex (flags allowed: i, m, s, u)",
    ],
  },
  {
    name: "unknown rule key",
    file: "a.yaml",
    text: "events_reactor:\n  r:\n    run: [a]\n    timout: 5s\n",
    expected: [
      'FILE:4:5: events_reactor.r.timout: unknown key (did you mean "timeout"?) — a rule takes event, run, webhook, network, hosts, timeout, retries, backoff, env, cwd, debounce',
    ],
  },
  {
    name: "bad duration",
    file: "a.yaml",
    text: "events_reactor:\n  r:\n    run: [a]\n    timeout: soon\n",
    expected: [
      'FILE:4:14: events_reactor.r.timeout: "soon" is not a duration — write e.g. "500ms", "30s", "1m30s" or a number of seconds',
    ],
  },
  {
    name: "bad retries",
    file: "a.yaml",
    text: "events_reactor:\n  r:\n    run: [a]\n    retries: 2.5\n",
    expected: [
      "FILE:4:14: events_reactor.r.retries: expected a whole number from 0 to 100, got number 2.5 — e.g. retries: 3",
    ],
  },
  {
    name: "bad env name",
    file: "a.yaml",
    text: 'events_reactor:\n  r:\n    run: [a]\n    env: { "MY-VAR": x }\n',
    expected: [
      "FILE:4:12: events_reactor.r.env.MY-VAR: invalid environment variable name — use letters, digits and _",
    ],
  },
  {
    name: "relative cwd",
    file: "a.yaml",
    text: "events_reactor:\n  r:\n    run: [a]\n    cwd: srv\n",
    expected: [
      'FILE:4:10: events_reactor.r.cwd: expected an absolute directory path, got string "srv" — e.g. cwd: /srv/app',
    ],
  },
  {
    name: "hosts not a list",
    file: "a.yaml",
    text: "events_reactor:\n  r:\n    run: [a]\n    hosts: edge-1\n",
    expected: [
      'FILE:4:12: events_reactor.r.hosts: expected a non-empty list of host ids, got string "edge-1" — e.g. hosts: [local, edge-1]',
    ],
  },
  {
    name: "labels not a map",
    file: "a.yaml",
    text: "events_reactor:\n  r:\n    event: { labels: [a] }\n    run: [a]\n",
    expected: [
      "FILE:3:22: events_reactor.r.event.labels: expected a map of name: pattern, got a list — e.g. labels: { com.example.role: web }",
    ],
  },
  {
    name: "unknown built-in hook",
    file: "a.yaml",
    text: "hooks:\n  haproxi: true\n",
    expected: [
      'FILE:2:3: hooks.haproxi: unknown key (did you mean "haproxy"?) — hooks takes labels, scripts, haproxy, etcd',
    ],
  },
  {
    name: "bad hook setting",
    file: "a.yaml",
    text: "hooks:\n  labels: { hostRoutes: yes please }\n",
    expected: [
      'FILE:2:25: hooks.labels.hostRoutes: expected true, false, "allow", "deny" or "label:<key>=<value>", got string "yes please"',
    ],
  },
  {
    name: "TS syntax error",
    file: "a.ts",
    text: "export default {\n  onStart: (c) => { c.name; ,\n};\n",
    expected: ["FILE:2:29: syntax error: Expression expected — fix the TypeScript syntax there"],
  },
  {
    name: "TS config throws",
    file: "a.ts",
    text: 'throw new Error("REGION is not set");\nexport default {};\n',
    expected: [
      "FILE: the config threw while loading: REGION is not set — fix the code that runs at import time",
    ],
  },
  {
    name: "TS no default export",
    file: "a.ts",
    text: "export const config = {};\n",
    expected: ["FILE: has no default export — add `export default { … } satisfies Config`"],
  },
  {
    name: "TS default not object",
    file: "a.ts",
    text: "export default 42;\n",
    expected: [
      "FILE: the default export must be a config object or a function returning one, got number 42 — write export default { onStart: (c, ctx) => {…} } satisfies Config",
    ],
  },
  {
    name: "TS factory throws",
    file: "a.ts",
    text: 'export default async () => { throw new Error("no token"); };\n',
    expected: [
      "FILE: the default-exported config function threw: no token — fix the function or export a plain object",
    ],
  },
  {
    name: "TS misspelled handler",
    file: "a.ts",
    text: "export default { onStrat: () => {} };\n",
    expected: [
      'FILE: onStrat: unknown key (did you mean "onStart"?) — the config takes hooks, onCreate, onStart, onStop, onDie, onDestroy, onHealthy, onUnhealthy, onEvent, on, hosts, docker, glue, metrics',
    ],
  },
  {
    name: "TS handler not a function",
    file: "a.ts",
    text: 'export default { onStart: "restart.sh" };\n',
    expected: [
      'FILE: onStart: expected a function (container, ctx) => … or { run: function, … }, got string "restart.sh"',
    ],
  },
  {
    name: "TS on without run",
    file: "a.ts",
    text: 'export default { on: [{ match: { action: "start" } }] };\n',
    expected: [
      "FILE: on[0].run: expected a function (container, ctx) => …, got nothing — or give webhook: { url: … }",
    ],
  },
  {
    name: "TS on match bad key",
    file: "a.ts",
    text: "export default { on: [{ match: { labels: { role: 3 } }, run: () => {} }] };\n",
    expected: [
      'FILE: on[0].match.labels.role: expected a string, glob or /regex/, got number 3 — quote it: "3"',
    ],
  },
  {
    name: "TS bad import",
    file: "a.ts",
    text: 'import { x } from "./nope.ts";\nexport default { onStart: () => x };\n',
    expected: [
      'FILE: cannot load an import: Module not found "file://DIR/nope.ts". — a config may only `import type` from reactor; other imports must be local files that exist',
    ],
  },
];

for (const c of BROKEN) {
  Deno.test(`load() reports "${c.name}" precisely`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      const path = `${dir}/${c.file}`;
      await Deno.writeTextFile(path, c.text);
      const err = await load([path], { isRoot: false }).then(
        () => assert.fail("the broken config loaded"),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ConfigError, String(err));
      assert.equal(err.exitCode, 2);
      const got = err.problems.map((p) => p.replaceAll(path, "FILE").replaceAll(dir, "DIR"));
      assert.deepEqual(got, c.expected);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function problemsOf(p: Promise<unknown>): Promise<readonly string[]> {
  const err = await p.then(() => assert.fail("expected a ConfigError"), (e: unknown) => e);
  assert.ok(err instanceof ConfigError, String(err));
  return err.problems;
}

Deno.test("load() loads the seed-001 rules file as it stands", async () => {
  const cfg = await load([new URL("../../examples/reactor.yaml", import.meta.url).pathname]);
  assert.deepEqual(cfg.rules.map((r) => [r.name, r.match.summary]), [
    ["Fire notification on container lifecycle event", "type=container"],
    ["Propagate all events to Salt", "*"],
    ["Update Sentry Relay configuration", "type=container action=start actor.name=sentry_web"],
  ]);
  assert.deepEqual(cfg.builtins, { labels: {}, scripts: {} });
});

Deno.test("load() as root refuses a config file writable by others", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/reactor.yaml`;
    await Deno.writeTextFile(path, "events_reactor:\n  r:\n    run: [/bin/true]\n");
    await Deno.chmod(path, 0o666);
    const problems = await problemsOf(load([path], { isRoot: true }));
    assert.deepEqual(problems, [
      `${path}: refusing config file that is writable by group and others (mode 0666): anyone able ` +
      `to change it runs commands as root — run \`chown root:root ${path} && chmod go-w ${path}\`, ` +
      `or pass --insecure-config`,
    ]);
    // --insecure-config accepts it; so does a non-root reactor
    assert.equal((await load([path], { isRoot: true, insecure: true })).rules.length, 1);
    assert.equal((await load([path], { isRoot: false })).rules.length, 1);
    await Deno.chmod(path, 0o644);
    if (Deno.uid() === 0) {
      assert.equal((await load([path], { isRoot: true })).rules.length, 1);
    }
  });
});

Deno.test("load() as root refuses a config file group-writable or not owned by root", async () => {
  if (Deno.uid() !== 0) throw new Error("this test needs root (chown); the suite runs as root");
  await withDir(async (dir) => {
    const path = `${dir}/reactor.config.ts`;
    await Deno.writeTextFile(path, "export default {};\n");
    await Deno.chmod(path, 0o664);
    assert.match(
      (await problemsOf(load([path], { isRoot: true })))[0]!,
      /writable by group \(mode 0664\)/,
    );
    await Deno.chmod(path, 0o644);
    await Deno.chown(path, 1000, 1000);
    assert.match(
      (await problemsOf(load([path], { isRoot: true })))[0]!,
      /refusing config file that is owned by uid 1000, not root: .* or pass --insecure-config$/,
    );
  });
});

Deno.test("load() as root refuses a scripts dir writable by others", async () => {
  await withDir(async (dir) => {
    const scripts = `${dir}/scripts`;
    await Deno.mkdir(scripts);
    await Deno.chmod(scripts, 0o777);
    const path = `${dir}/reactor.yaml`;
    await Deno.writeTextFile(path, `hooks:\n  scripts: { dir: ${scripts} }\n`);
    const problems = await problemsOf(load([path], { isRoot: true }));
    assert.equal(problems.length, 1);
    assert.match(
      problems[0]!,
      new RegExp(
        `^${scripts}: refusing scripts dir that .*writable by group and others \\(mode 0777\\)`,
      ),
    );
  });
});

Deno.test("load() merges YAML and TS files and keeps the raw docker section", async () => {
  await withDir(async (dir) => {
    const y = `${dir}/a.yaml`;
    const t = `${dir}/b.ts`;
    await Deno.writeTextFile(
      y,
      "docker:\n  hosts:\n    edge: { type: remote, host: tcp://10.0.0.1:2376 }\nhooks:\n  labels: { prefix: acme. }\nevents_reactor:\n  r:\n    run: [/bin/true]\n    hosts: [edge]\n",
    );
    await Deno.writeTextFile(
      t,
      "export default async () => ({ hooks: { scripts: false }, onStart: () => {}, on: [{ name: 'web', match: { actor: { name: 'web-*' } }, run: () => {} }] });\n",
    );
    const cfg = await load([y, t]);
    assert.deepEqual(cfg.files, [y, t]);
    assert.deepEqual(cfg.docker, {
      value: { hosts: { edge: { type: "remote", host: "tcp://10.0.0.1:2376" } } },
      file: y,
    });
    assert.deepEqual(cfg.builtins, { labels: { prefix: "acme." }, scripts: false });
    assert.deepEqual(cfg.rules.map((r) => [r.name, r.hosts]), [["r", ["edge"]]]);
    assert.deepEqual(cfg.handlers.map((h) => [h.name, h.match.summary]), [
      ["onStart", "type=container action=start"],
      ["web", "actor.name=web-*"],
    ]);
  });
});

Deno.test("load() rejects the same rule name in two files", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/a.yaml`, "events_reactor:\n  r:\n    run: [/bin/true]\n");
    await Deno.writeTextFile(`${dir}/b.yaml`, "\nevents_reactor:\n  r:\n    run: [/bin/false]\n");
    assert.deepEqual(await problemsOf(load([`${dir}/a.yaml`, `${dir}/b.yaml`])), [
      `${dir}/b.yaml:3:3: rule "r" is already defined at ${dir}/a.yaml:2:3 — give each rule a unique name`,
    ]);
  });
});

Deno.test("load() with no files is the embedded default", async () => {
  const cfg = await load([]);
  assert.deepEqual({ ...cfg, hooks: undefined, hosts: undefined, close: undefined }, {
    files: [],
    rules: [],
    handlers: [],
    builtins: { labels: {}, scripts: {} },
    hooks: undefined,
    docker: undefined,
    hosts: undefined,
    runtimes: [],
    close: undefined,
  });
  assert.deepEqual(cfg.hosts.map((h) => [h.id, h.disabled]), [["default", false], ["local", true]]);
});

Deno.test("load() as root refuses a config file in a directory others can write", async () => {
  await withDir(async (dir) => {
    const sub = `${dir}/open`;
    await Deno.mkdir(sub);
    const path = `${sub}/reactor.yaml`;
    await Deno.writeTextFile(path, "events_reactor:\n  r:\n    run: [/bin/true]\n");
    await Deno.chmod(path, 0o644);
    await Deno.chmod(sub, 0o777);
    assert.deepEqual(await problemsOf(load([path], { isRoot: true })), [
      `${path}: refusing config file whose directory ${sub} is writable by group or others ` +
      `(mode 0777): anyone able to write there can replace the config — move it to a root-owned ` +
      `directory (e.g. /etc/reactor) or \`chmod go-w ${sub}\`, or pass --insecure-config`,
    ]);
    if (Deno.uid() === 0) {
      await Deno.chmod(sub, 0o1777); // sticky, like /tmp: others cannot replace root's file
      assert.equal((await load([path], { isRoot: true })).rules.length, 1);
    }
  });
});

Deno.test("load() takes a TS config's hosts as the docker section", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/a.ts`,
      `export default { hosts: { edge: { type: "remote", host: "ssh://me@box" } } };\n`,
    );
    const cfg = await load([`${dir}/a.ts`]);
    assert.deepEqual(cfg.docker, {
      value: { hosts: { edge: { type: "remote", host: "ssh://me@box" } } },
      file: `${dir}/a.ts`,
    });
    await Deno.writeTextFile(
      `${dir}/b.ts`,
      `export default { hosts: {}, docker: { hosts: {} } };\n`,
    );
    assert.deepEqual(await problemsOf(load([`${dir}/b.ts`])), [
      `${dir}/b.ts: docker: set either hosts: or docker: { hosts: … }, not both — keep one`,
    ]);
  });
});
