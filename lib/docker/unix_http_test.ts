import assert from "node:assert/strict";
import { UnixHttpClient } from "./unix_http.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A raw server: `answer(requestHead)` returns the bytes to send (or null: close). */
function rawServer(answer: (head: string, n: number) => string | null | Promise<string | null>) {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/s.sock`;
  const listener = Deno.listen({ transport: "unix", path });
  const conns: Deno.Conn[] = [];
  let accepted = 0;
  let requests = 0;
  const serving = (async () => {
    for await (const conn of listener) {
      accepted++;
      conns.push(conn);
      (async () => {
        const buf = new Uint8Array(8192);
        let text = "";
        for (;;) {
          const n = await conn.read(buf);
          if (n === null) break;
          text += dec.decode(buf.subarray(0, n));
          let i: number;
          while ((i = text.indexOf("\r\n\r\n")) >= 0) {
            const head = text.slice(0, i);
            const len = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
            text = text.slice(i + 4 + len);
            const out = await answer(head, requests++);
            if (out === null) {
              conn.close();
              return;
            }
            await conn.write(enc.encode(out));
          }
        }
      })().catch(() => {});
    }
  })().catch(() => {});
  return {
    path,
    accepted: () => accepted,
    closeConnections: () => conns.splice(0).forEach((c) => c.close()),
    async close() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await serving;
      Deno.removeSync(dir, { recursive: true });
    },
  };
}

Deno.test("UnixHttpClient reads Content-Length bodies and reuses the connection", async () => {
  const heads: string[] = [];
  const s = rawServer((head) => {
    heads.push(head);
    return 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}';
  });
  const c = new UnixHttpClient(s.path);
  try {
    for (let i = 0; i < 3; i++) {
      const res = await c.request({ method: "GET", target: `/v1.53/info?x=${i}` });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { ok: true });
    }
    assert.equal(s.accepted(), 1, "one keep-alive connection");
    assert.match(heads[2]!, /^GET \/v1\.53\/info\?x=2 HTTP\/1\.1\r\nHost: docker/);
    const post = await c.request({
      method: "POST",
      target: "/exec",
      headers: { "content-type": "application/json" },
      body: '{"a":1}',
    });
    await post.arrayBuffer();
    assert.match(heads[3]!, /Content-Length: 7/);
  } finally {
    c.close();
    await s.close();
  }
});

Deno.test("UnixHttpClient streams chunked bodies and bodies that end with the connection", async () => {
  const s = rawServer((head) => {
    if (head.includes("/events")) {
      return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
        "6\r\nline1\n\r\n" + "c;ext=1\r\nline2\nline3\n\r\n" + "0\r\n\r\n";
    }
    return null; // answered below by closing: an EOF-delimited body
  });
  const eof = rawServer(() =>
    "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\nraw bytes" as string
  );
  const c = new UnixHttpClient(s.path);
  const c2 = new UnixHttpClient(eof.path);
  try {
    const res = await c.request({ method: "GET", target: "/events" });
    assert.equal(await res.text(), "line1\nline2\nline3\n");
    // after a complete chunked body the connection is reused
    const again = await c.request({ method: "GET", target: "/events" });
    assert.equal(await again.text(), "line1\nline2\nline3\n");
    assert.equal(s.accepted(), 1);
    const raw = await c2.request({ method: "POST", target: "/exec/x/start", body: "{}" });
    const reader = raw.body!.getReader();
    const first = await reader.read();
    assert.equal(dec.decode(first.value), "raw bytes");
    eof.closeConnections();
    assert.equal((await reader.read()).done, true, "ends when the daemon closes");
  } finally {
    c.close();
    c2.close();
    await s.close();
    await eof.close();
  }
});

Deno.test("UnixHttpClient retries a GET once when an idle connection was closed", async () => {
  const s = rawServer(() => "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  const c = new UnixHttpClient(s.path);
  try {
    assert.equal(await (await c.request({ method: "GET", target: "/_ping" })).text(), "ok");
    s.closeConnections(); // the daemon dropped the idle keep-alive connection
    assert.equal(await (await c.request({ method: "GET", target: "/_ping" })).text(), "ok");
    assert.equal(s.accepted(), 2);
  } finally {
    c.close();
    await s.close();
  }
});

Deno.test("UnixHttpClient aborts a streaming body and fails a missing socket", async () => {
  const s = rawServer(() => "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab\n\r\n");
  const c = new UnixHttpClient(s.path);
  try {
    const ac = new AbortController();
    const res = await c.request({ method: "GET", target: "/events", signal: ac.signal });
    const reader = res.body!.getReader();
    assert.equal(dec.decode((await reader.read()).value), "ab\n");
    const pending = reader.read();
    ac.abort(new Error("stop"));
    await assert.rejects(pending, /stop/);
    assert.equal(c.connections, 0, "the aborted connection is closed");
    const missing = new UnixHttpClient("/nonexistent/dir/docker.sock");
    await assert.rejects(
      missing.request({ method: "GET", target: "/_ping" }),
      /No such file or directory/,
    );
  } finally {
    c.close();
    await s.close();
  }
});

Deno.test("UnixHttpClient holds no blocking thread per open connection", async () => {
  // fetch over a unix-socket Deno.HttpClient takes one thread of Deno's 32-thread blocking pool
  // per connection; past 32, every async file operation of the process waits
  const s = rawServer(async () => {
    await new Promise((r) => setTimeout(r, 50));
    return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  });
  const threads = () => [...Deno.readDirSync(`/proc/${Deno.pid}/task`)].length;
  const clients = Array.from({ length: 48 }, () => new UnixHttpClient(s.path));
  try {
    const before = threads();
    await Promise.all(clients.map(async (c) => {
      await (await c.request({ method: "GET", target: "/_ping" })).text();
    }));
    assert.equal(s.accepted(), 48, "48 connections open at once");
    assert.ok(threads() - before < 8, `threads grew by ${threads() - before}`);
    await Deno.stat(Deno.cwd()); // would wait for a free blocking thread
  } finally {
    for (const c of clients) c.close();
    await s.close();
  }
});
