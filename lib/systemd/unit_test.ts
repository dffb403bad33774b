import assert from "node:assert/strict";
import { renderExecStart, renderUnit, systemdQuote } from "./unit.ts";
import { exec } from "../exec/run.ts";

Deno.test("systemdQuote() escapes specifiers, variables and spaces", () => {
  assert.equal(systemdQuote("/usr/local/bin/reactor"), "/usr/local/bin/reactor");
  assert.equal(systemdQuote("--label-prefix=docker-events."), "--label-prefix=docker-events.");
  assert.equal(systemdQuote("50%"), "50%%");
  assert.equal(systemdQuote("$HOME"), "$$HOME");
  assert.equal(systemdQuote("a b"), `"a b"`);
  assert.equal(systemdQuote(`say "hi" \\ ok`), `"say \\"hi\\" \\\\ ok"`);
  assert.equal(systemdQuote(""), `""`);
  assert.equal(systemdQuote("line\nbreak"), `"line\\nbreak"`);
});

Deno.test("renderExecStart() needs an absolute program", () => {
  assert.equal(
    renderExecStart(["/bin/reactor", "run", "-H", "unix:///x y"]),
    `/bin/reactor run -H "unix:///x y"`,
  );
  assert.throws(() => renderExecStart(["reactor", "run"]), TypeError);
});

Deno.test("renderUnit() has the dependencies, restart policy, state dir and hardening", () => {
  const u = renderUnit({
    execStart: ["/usr/local/bin/reactor", "run"],
    stateDir: "/var/lib/reactor",
  });
  for (
    const line of [
      "After=docker.service network-online.target",
      "Wants=docker.service network-online.target",
      "ExecStart=/usr/local/bin/reactor run",
      "Restart=always",
      "RestartSec=2",
      "StateDirectory=reactor",
      "NoNewPrivileges=yes",
      "WantedBy=multi-user.target",
    ]
  ) assert.ok(u.split("\n").includes(line), line);
  // nothing that would break setns()/ip as root
  for (
    const bad of ["PrivateNetwork", "PrivateUsers", "RestrictNamespaces", "CapabilityBoundingSet"]
  ) {
    assert.ok(!u.includes(`${bad}=`), bad);
  }
  const other = renderUnit({ execStart: ["/bin/r"], stateDir: "/srv/reactor state/" });
  assert.ok(other.includes(`ReadWritePaths=-"/srv/reactor state"`));
});

Deno.test("renderUnit() output passes systemd-analyze verify", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rx-unit-" });
  try {
    // the program must exist for verify: use this deno binary with a path containing a space
    const unit = renderUnit({
      execStart: [Deno.execPath(), "run", "-A", "/opt/my app/main.ts", "run", "--x=50%", "$HOME"],
      stateDir: "/var/lib/reactor",
    });
    const path = `${dir}/reactor.service`;
    await Deno.writeTextFile(path, unit);
    const r = await exec(["systemd-analyze", "verify", path], { okCodes: [0, 1] });
    const mine = r.stderr.split("\n").filter((l) => l.includes("reactor.service"));
    assert.equal(r.code, 0, `systemd-analyze verify failed: ${r.stderr}`);
    assert.deepEqual(mine, [], `systemd-analyze verify warned: ${r.stderr}`);

    // and the verifier does catch a broken unit (so the check above can fail)
    await Deno.writeTextFile(path, unit.replace(/^ExecStart=.*$/m, `ExecStart=relative "oops`));
    const bad = await exec(["systemd-analyze", "verify", path], { okCodes: [0, 1] });
    assert.notEqual(bad.code, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
