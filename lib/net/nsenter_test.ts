import assert from "node:assert/strict";
import { containerNetns, NetnsGoneError, nsenter, nsenterArgs } from "./nsenter.ts";
import type { Run } from "../exec/run.ts";

Deno.test("nsenterArgs() uses --net=<path> for a netns path", () => {
  assert.deepEqual(nsenterArgs({ path: "/run/docker/netns/abc" }, ["ip", "route"]), [
    "nsenter",
    "--net=/run/docker/netns/abc",
    "--",
    "ip",
    "route",
  ]);
});

Deno.test("nsenterArgs() uses plain -n -t PID for root, even for rootless engines", () => {
  const want = ["nsenter", "-n", "-t", "42", "--", "ip", "-j", "route"];
  assert.deepEqual(nsenterArgs({ pid: 42 }, ["ip", "-j", "route"]), want);
  assert.deepEqual(
    nsenterArgs({ pid: 42 }, ["ip", "-j", "route"], { rootless: true, asDaemonUser: false }),
    want,
  );
});

Deno.test("nsenterArgs() joins the user namespace only as the rootless daemon's user", () => {
  assert.deepEqual(
    nsenterArgs({ pid: 7 }, ["ip", "route"], { rootless: true, asDaemonUser: true }),
    ["nsenter", "-U", "--preserve-credentials", "-n", "-t", "7", "--", "ip", "route"],
  );
  // not rootless: never -U
  assert.deepEqual(
    nsenterArgs({ pid: 7 }, ["ip"], { rootless: false, asDaemonUser: true }),
    ["nsenter", "-n", "-t", "7", "--", "ip"],
  );
});

Deno.test("nsenterArgs() refuses pid 0 and a path for rootless engines", () => {
  assert.throws(() => nsenterArgs({ pid: 0 }, ["ip"]), NetnsGoneError);
  assert.throws(() => nsenterArgs({ path: "/x" }, ["ip"], { rootless: true }), TypeError);
});

Deno.test("containerNetns() throws NetnsGoneError for pid 0 or a vanished /proc entry", async () => {
  await assert.rejects(
    containerNetns({ name: "a", pid: 0, running: false, sandboxKey: "" }),
    NetnsGoneError,
  );
  await assert.rejects(
    containerNetns({ name: "a", pid: 999_999_999, running: true, sandboxKey: "/nonexistent" }),
    /\/proc\/999999999 is gone/,
  );
});

Deno.test("containerNetns() prefers the SandboxKey when it exists and the engine is rootful", async () => {
  const f = await Deno.makeTempFile();
  try {
    const c = { name: "a", pid: Deno.pid, running: true, sandboxKey: f };
    assert.deepEqual(await containerNetns(c), { path: f });
    assert.deepEqual(await containerNetns(c, { rootless: true }), { pid: Deno.pid });
  } finally {
    await Deno.remove(f);
  }
});

Deno.test("nsenter() passes the built argv to exec", async () => {
  const seen: (readonly string[])[] = [];
  const exec: Run = (argv) => {
    seen.push(argv);
    return Promise.resolve({ argv, code: 0, stdout: "", stderr: "", durationMs: 1 });
  };
  await nsenter({ pid: Deno.pid }, ["ip", "route"], { exec });
  assert.deepEqual(seen, [["nsenter", "-n", "-t", String(Deno.pid), "--", "ip", "route"]]);
});

// A real "rootless-like" namespace: a netns owned by a child user namespace whose root maps to
// an unprivileged host uid (as with rootlesskit), entered by root. Verifies the project lead's correction with the kernel.
Deno.test("nsenter() as root enters a user-namespaced netns with plain -n; -U --preserve-credentials fails", async () => {
  const { exec } = await import("../exec/run.ts");
  const { ip, runIp } = await import("./ip.ts");
  const child = new Deno.Command("unshare", {
    args: ["--user", "--net", "sleep", "30"],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    const pid = child.pid;
    // wait until the child has its own netns
    const hostNs = await Deno.readLink("/proc/self/ns/net");
    for (let i = 0; i < 100 && (await Deno.readLink(`/proc/${pid}/ns/net`)) === hostNs; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    // map the namespace's root to an unprivileged host uid, as rootless dockerd does: host root
    // is then unmapped inside
    await Deno.writeTextFile(`/proc/${pid}/uid_map`, "0 100000 1\n");
    await Deno.writeTextFile(`/proc/${pid}/gid_map`, "0 100000 1\n");
    const opts = { exec, rootless: true, asDaemonUser: false };
    await runIp(ip.link.set("lo", { up: true, netns: { pid } }), opts);
    await runIp(ip.route.replace("10.77.0.0/16", { dev: "lo", netns: { pid } }), opts);
    const r = await nsenter({ pid }, ["ip", "-j", "route", "show", "10.77.0.0/16"], opts);
    assert.equal(JSON.parse(r.stdout)[0]?.dev, "lo");
    // joining the user namespace with preserved credentials leaves root unmapped: EPERM
    await assert.rejects(
      runIp(ip.route.replace("10.78.0.0/16", { dev: "lo", netns: { pid } }), {
        exec,
        rootless: true,
        asDaemonUser: true,
      }),
      /Operation not permitted/,
    );
  } finally {
    child.kill("SIGKILL");
    await child.status;
  }
});
