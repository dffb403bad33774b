import assert from "node:assert/strict";
import { spawnChild } from "../../exec/spawn.ts";
import { fakeKernel } from "./_fake_kernel.ts";
import { removeStaleSocket, serveL2vlan } from "./serve.ts";

/** One raw HTTP/1.1 exchange as dockerd sends it: empty Host, no Content-Type. */
async function rawCall(socket: string, method: string, body = ""): Promise<string> {
  const conn = await Deno.connect({ transport: "unix", path: socket });
  const bytes = new TextEncoder().encode(body);
  const head = `POST /${method} HTTP/1.1\r\nHost: \r\nUser-Agent: Go-http-client/1.1\r\n` +
    `Content-Length: ${bytes.length}\r\nAccept: application/vnd.docker.plugins.v1.2+json\r\n` +
    `Connection: close\r\n\r\n`;
  await conn.write(new TextEncoder().encode(head));
  if (bytes.length) await conn.write(bytes);
  let out = "";
  const buf = new Uint8Array(4096);
  while (true) {
    const n = await conn.read(buf);
    if (n === null) break;
    out += new TextDecoder().decode(buf.subarray(0, n));
  }
  conn.close();
  return out;
}

async function withServer(
  fn: (socket: string, dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "l2vlan-serve-" });
  const socket = `${dir}/plugins/l2vlan.sock`;
  const k = fakeKernel();
  const stop = new AbortController();
  let listening!: () => void;
  const ready = new Promise<void>((r) => listening = r);
  const done = serveL2vlan({
    socket,
    stateDir: `${dir}/state`,
    log: k.log,
    signal: stop.signal,
    links: k.links,
    firewall: k.firewall,
    onListen: () => listening(),
  });
  try {
    await Promise.race([ready, done]);
    await fn(socket, dir);
  } finally {
    stop.abort();
    await done;
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("serveL2vlan() answers dockerd's raw requests over the socket and persists before answering", async () => {
  await withServer(async (socket, dir) => {
    const caps = await rawCall(socket, "NetworkDriver.GetCapabilities");
    assert.match(caps, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(caps, /content-type: application\/vnd\.docker\.plugins\.v1\.2\+json/i);
    assert.ok(caps.endsWith('{"Scope":"local","ConnectivityScope":"global"}'));
    const pool = await rawCall(
      socket,
      "IpamDriver.RequestPool",
      '{"AddressSpace":"l2vlan_local","Pool":"10.251.7.0/24","SubPool":"10.251.7.2/32","Options":null,"V6":false}\n',
    );
    assert.ok(pool.endsWith('"Pool":"10.251.7.0/24","Data":{}}'), pool);
    const saved = JSON.parse(await Deno.readTextFile(`${dir}/state/state.json`));
    assert.deepEqual(Object.keys(saved.ipam.pools), ["l2vlan_local/10.251.7.0/24/10.251.7.2/32"]);
    const bad = await rawCall(socket, "IpamDriver.RequestAddress", "{");
    assert.match(bad, /^HTTP\/1\.1 400 /);
    assert.match(bad, /"Err":"Bad \/IpamDriver\.RequestAddress request: malformed JSON/);
  });
});

Deno.test("serveL2vlan() removes its socket on abort; a stale socket is replaced, a live one refused", async () => {
  let path = "";
  await withServer(async (socket) => {
    path = socket;
    await assert.rejects(() => removeStaleSocket(socket), /Another process is serving/);
  });
  await assert.rejects(() => Deno.lstat(path), Deno.errors.NotFound);

  const dir = await Deno.makeTempDir({ prefix: "l2vlan-stale-" });
  try {
    const stale = `${dir}/s.sock`;
    // A listener killed with SIGKILL leaves its socket file behind (as a killed plugin does).
    let up!: () => void;
    const listening = new Promise<void>((r) => up = r);
    const child = spawnChild([
      Deno.execPath(),
      "eval",
      `const l = Deno.listen({ transport: "unix", path: ${JSON.stringify(stale)} });` +
      ` console.log("up"); await l.accept();`,
    ], { onLine: (_s, line) => line === "up" && up() });
    await listening;
    child.kill("SIGKILL");
    await child.status;
    assert.ok((await Deno.lstat(stale)).isSocket);
    assert.equal(await removeStaleSocket(stale), true);
    await assert.rejects(() => Deno.lstat(stale), Deno.errors.NotFound);
    await Deno.writeTextFile(`${dir}/plain`, "x");
    assert.equal(await removeStaleSocket(`${dir}/missing.sock`), false);
    await assert.rejects(() => removeStaleSocket(`${dir}/plain`), /exists and is not a socket/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
