import assert from "node:assert/strict";
import { DockerApiError, DockerConnectError } from "../errors.ts";
import { compareApi, demux, DockerClient, negotiateApi } from "./client.ts";
import { openTransport, parseEndpoint } from "./endpoint.ts";

async function withFake(
  handler: (req: Request) => Response | Promise<Response>,
  fn: (client: DockerClient) => Promise<void>,
) {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/d.sock`;
  const server = Deno.serve({ path, onListen: () => {} }, handler);
  const client = new DockerClient({
    hostId: "fake",
    transport: await openTransport(parseEndpoint(`unix://${path}`)),
  });
  try {
    await fn(client);
  } finally {
    client.close();
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("negotiateApi() uses the daemon version up to our maximum", () => {
  assert.equal(negotiateApi("1.41"), "1.41");
  assert.equal(negotiateApi("1.99"), "1.53");
  assert.equal(negotiateApi(null), "1.40");
  assert.ok(compareApi("1.9", "1.10") < 0);
});

Deno.test("DockerClient.negotiate() reads Api-Version and prefixes later requests", async () => {
  const paths: string[] = [];
  await withFake((req) => {
    const u = new URL(req.url);
    paths.push(u.pathname);
    if (u.pathname === "/_ping") {
      return new Response("OK", { headers: { "api-version": "1.45", "ostype": "linux" } });
    }
    return Response.json({ ServerVersion: "26.0.0", Name: "n1", SecurityOptions: [] });
  }, async (c) => {
    const p = await c.negotiate();
    assert.equal(p.apiVersion, "1.45");
    assert.equal(c.apiVersion, "1.45");
    const info = await c.info();
    assert.equal(info.serverVersion, "26.0.0");
  });
  assert.deepEqual(paths, ["/_ping", "/v1.45/info"]);
});

Deno.test("DockerClient.negotiate() refuses engines older than API 1.40", async () => {
  await withFake(
    () => new Response("OK", { headers: { "api-version": "1.30" } }),
    async (c) => {
      await assert.rejects(c.negotiate(), /speaks API 1.30.*at least 1.40/);
    },
  );
});

Deno.test("DockerClient turns {message} error bodies into a one-line DockerApiError", async () => {
  await withFake(
    () => Response.json({ message: "No such container: nope" }, { status: 404 }),
    async (c) => {
      const err = await c.inspect("nope").catch((e) => e);
      assert.ok(err instanceof DockerApiError);
      assert.equal(err.status, 404);
      assert.ok(err.isGone);
      assert.equal(
        err.message,
        'Docker API GET /containers/nope/json on host "fake" failed with HTTP 404: No such container: nope',
      );
    },
  );
});

Deno.test("DockerClient reports invalid JSON answers clearly", async () => {
  await withFake(() => new Response("<html>", { status: 200 }), async (c) => {
    await assert.rejects(c.listContainers(), /returned invalid JSON: <html>/);
  });
});

Deno.test("DockerClient reports a missing socket as DockerConnectError with the OS reason", async () => {
  const c = new DockerClient({
    hostId: "gone",
    transport: await openTransport(parseEndpoint("unix:///nonexistent/docker.sock")),
  });
  try {
    const err = await c.ping().catch((e) => e);
    assert.ok(err instanceof DockerConnectError, String(err));
    assert.match(err.message, /Cannot connect to Docker at unix:\/\/\/nonexistent\/docker.sock: /);
    assert.match(err.message, /No such file or directory/);
  } finally {
    c.close();
  }
});

Deno.test("demux() splits stdout and stderr frames", () => {
  const frame = (s: number, text: string) => {
    const p = new TextEncoder().encode(text);
    const h = new Uint8Array(8);
    h[0] = s;
    new DataView(h.buffer).setUint32(4, p.length);
    return [...h, ...p];
  };
  const buf = new Uint8Array([...frame(1, "out1 "), ...frame(2, "err"), ...frame(1, "out2")]);
  assert.deepEqual(demux(buf), { stdout: "out1 out2", stderr: "err" });
});

Deno.test("parseEndpoint() accepts the documented schemes and rejects others clearly", () => {
  assert.deepEqual(parseEndpoint("unix:///var/run/docker.sock"), {
    kind: "unix",
    path: "/var/run/docker.sock",
    url: "unix:///var/run/docker.sock",
  });
  const t = parseEndpoint("tcp://127.0.0.1:2375");
  assert.equal(t.kind === "tcp" && t.url, "http://127.0.0.1:2375");
  const s = parseEndpoint("https://127.0.0.1");
  assert.equal(s.kind === "tcp" && s.port, 2376);
  const ssh = parseEndpoint("ssh://bob@example.invalid:2222");
  assert.equal(ssh.kind === "ssh" && ssh.user, "bob");
  assert.throws(() => parseEndpoint("ftp://x"), /unsupported scheme "ftp:"/);
  assert.throws(() => parseEndpoint("unix://relative.sock"), /must be absolute/);
});
