import assert from "node:assert/strict";
import { exec } from "../../exec/run.ts";
import { spawnChild } from "../../exec/spawn.ts";
import { buildL2vlanPlugin, parseLdd, pluginConfig, rootfsPath } from "./plugin_build.ts";

Deno.test("parseLdd() collects absolute library paths and fails on a missing one", () => {
  const out = [
    "/usr/sbin/ip:",
    "\tlinux-vdso.so.1 (0x00007ffd)",
    "\tlibbpf.so.1 => /lib/x86_64-linux-gnu/libbpf.so.1 (0x00007f)",
    "\t/lib64/ld-linux-x86-64.so.2 (0x00007f)",
    "/usr/sbin/xtables-nft-multi:",
    "\tlibbpf.so.1 => /lib/x86_64-linux-gnu/libbpf.so.1 (0x00007f)",
  ].join("\n");
  assert.deepEqual(parseLdd(out), [
    "/lib/x86_64-linux-gnu/libbpf.so.1",
    "/lib64/ld-linux-x86-64.so.2",
  ]);
  assert.throws(() => parseLdd("\tlibfoo.so.1 => not found"), /Missing shared library: libfoo/);
  assert.equal(rootfsPath("/lib64/ld-linux-x86-64.so.2"), "/usr/lib64/ld-linux-x86-64.so.2");
  assert.equal(rootfsPath("/usr/lib/x/a.so"), "/usr/lib/x/a.so");
});

Deno.test("pluginConfig() declares both driver types, host network, state mount, CAP_NET_ADMIN", () => {
  const c = pluginConfig(["/l2vlan/l2vlan"]) as Record<string, unknown>;
  assert.deepEqual(c.interface, {
    types: ["docker.networkdriver/1.0", "docker.ipamdriver/1.0"],
    socket: "l2vlan.sock",
  });
  assert.deepEqual(c.network, { type: "host" });
  assert.deepEqual(c.linux, { capabilities: ["CAP_NET_ADMIN"] });
  assert.equal(c.propagatedMount, "/var/lib/l2vlan");
  assert.deepEqual(c.entrypoint, [
    "/l2vlan/l2vlan",
    "--socket",
    "/run/docker/plugins/l2vlan.sock",
  ]);
});

Deno.test("buildL2vlanPlugin() makes a self-contained rootfs: ip, iptables and the plugin run chrooted", async () => {
  const dir = await Deno.makeTempDir({ prefix: "l2vlan-build-" });
  const ns = `l2b${crypto.randomUUID().slice(0, 8)}`;
  try {
    const r = await buildL2vlanPlugin({ out: `${dir}/plugin`, exec });
    const config = JSON.parse(await Deno.readTextFile(`${dir}/plugin/config.json`));
    assert.equal(config.entrypoint[0], "/l2vlan/deno");
    assert.ok(config.entrypoint.includes("/l2vlan/src/lib/plugin/l2vlan/entry.ts"));
    const rootfs = r.rootfs;
    const chroot = (...argv: string[]) =>
      exec(["chroot", rootfs, ...argv], { timeoutMs: 30_000, env: { PATH: "/usr/sbin:/usr/bin" } });
    assert.match((await chroot("/usr/sbin/ip", "-V")).stdout, /iproute2/);
    assert.match((await chroot("/usr/sbin/iptables", "-V")).stdout, /nf_tables/);
    // Deno opens /dev/null for child stdin; docker provides /dev, a chroot does not.
    await exec(["mknod", "-m", "666", `${rootfs}/dev/null`, "c", "1", "3"]);
    await exec(["ip", "netns", "add", ns]);
    const lines: string[] = [];
    let listening!: () => void;
    const ready = new Promise<void>((r) => listening = r);
    const child = spawnChild([
      "nsenter",
      `--net=/run/netns/${ns}`,
      "chroot",
      rootfs,
      ...config.entrypoint.slice(0, -2),
      "--socket",
      "/tmp/t.sock",
      "--state-dir",
      "/tmp/state",
    ], {
      clearEnv: true,
      env: { PATH: "/usr/sbin:/usr/bin", DENO_DIR: "/tmp/deno", NO_COLOR: "1" },
      onLine: (_s, line) => {
        lines.push(line);
        if (line.includes("l2vlan plugin listening")) listening();
      },
    });
    try {
      const exited = await Promise.race([ready.then(() => false), child.status.then(() => true)]);
      assert.ok(!exited, `the plugin exited: ${lines.join(" | ")}`);
      const conn = await Deno.connect({ transport: "unix", path: `${rootfs}/tmp/t.sock` });
      await conn.write(new TextEncoder().encode(
        "POST /Plugin.Activate HTTP/1.1\r\nHost: \r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
      ));
      let answer = "";
      const buf = new Uint8Array(2048);
      for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
        answer += new TextDecoder().decode(buf.subarray(0, n));
      }
      conn.close();
      assert.ok(answer.endsWith('{"Implements":["NetworkDriver","IpamDriver"]}'), answer);
    } finally {
      assert.equal(await child.stop(30_000), "terminated", "SIGTERM stops it (PID 1 in a plugin)");
    }
  } finally {
    await exec(["ip", "netns", "del", ns], { okCodes: [0, 1] });
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("buildL2vlanPlugin() with a compiled binary ships it instead of deno and the sources", async () => {
  const dir = await Deno.makeTempDir({ prefix: "l2vlan-build-bin-" });
  try {
    // any dynamically linked program stands in for a `deno compile` output here
    const r = await buildL2vlanPlugin({ out: `${dir}/p`, exec, binary: "/usr/bin/true" });
    assert.deepEqual(r.entrypoint, ["/l2vlan/l2vlan"]);
    const config = JSON.parse(await Deno.readTextFile(`${dir}/p/config.json`));
    assert.deepEqual(config.entrypoint, [
      "/l2vlan/l2vlan",
      "--socket",
      "/run/docker/plugins/l2vlan.sock",
    ]);
    assert.ok((await Deno.stat(`${r.rootfs}/l2vlan/l2vlan`)).isFile);
    await assert.rejects(() => Deno.stat(`${r.rootfs}/l2vlan/deno`), Deno.errors.NotFound);
    await assert.rejects(() => Deno.stat(`${r.rootfs}/l2vlan/src`), Deno.errors.NotFound);
    await exec(["chroot", r.rootfs, "/l2vlan/l2vlan"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
