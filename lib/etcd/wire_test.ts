import assert from "node:assert/strict";
import { EtcdError } from "./errors.ts";
import { fromBase64, int64, parseAnswer, parseKvs, prefixRangeEnd, toBase64 } from "./wire.ts";

const where = { operation: 'put key "/k"', endpoint: "http://127.0.0.1:2379" };

function thrown(fn: () => unknown): EtcdError {
  try {
    fn();
  } catch (err) {
    if (err instanceof EtcdError) return err;
    throw err;
  }
  throw new Error("expected an EtcdError");
}

Deno.test("toBase64()/fromBase64() round-trip UTF-8", () => {
  assert.equal(toBase64("foo"), "Zm9v");
  assert.equal(fromBase64(toBase64("/r/é/ü")), "/r/é/ü");
});

Deno.test("prefixRangeEnd() increments the last byte, dropping trailing 0xff", () => {
  assert.equal(prefixRangeEnd("/a/"), toBase64("/a0"));
  assert.equal(prefixRangeEnd("ab"), toBase64("ac"));
  assert.equal(prefixRangeEnd(""), "AA==");
  // "é" is C3 A9 → C3 AA
  assert.equal(prefixRangeEnd("é"), btoa(String.fromCharCode(0xc3, 0xaa)));
  assert.equal(prefixRangeEnd("a\u00ff"), btoa(String.fromCharCode(0x61, 0xc3, 0xc0)));
});

Deno.test("int64() keeps 64-bit ids exact as strings, 0 when absent", () => {
  assert.equal(int64({ ID: "7587869573424352271" }, "ID"), "7587869573424352271");
  assert.equal(int64({}, "ID"), "0");
  assert.equal(int64({ ID: 12 }, "ID"), "12");
});

Deno.test("parseKvs() decodes keys, values and leases", () => {
  const kvs = parseKvs({
    kvs: [{ key: toBase64("/k"), value: toBase64("v"), lease: "99", mod_revision: "5" }, {
      key: toBase64("/e"),
    }],
  }, where);
  assert.deepEqual(kvs, [
    { key: "/k", value: "v", lease: "99", modRevision: "5" },
    { key: "/e", value: "", lease: "0", modRevision: "0" },
  ]);
  assert.deepEqual(parseKvs({}, where), []);
  assert.equal(thrown(() => parseKvs({ kvs: [{}] }, where)).kind, "protocol");
});

Deno.test("parseAnswer() classifies gateway errors by gRPC code and message", () => {
  const err = (status: number, body: unknown) =>
    thrown(() => parseAnswer(status, JSON.stringify(body), where));
  const lease = err(404, { error: "etcdserver: requested lease not found", code: 5 });
  assert.ok(lease.leaseNotFound && !lease.retryable);
  assert.equal(
    lease.message,
    'Cannot put key "/k" on etcd http://127.0.0.1:2379: etcdserver: requested lease not found',
  );
  const token = err(401, { error: "etcdserver: invalid auth token", code: 16 });
  assert.ok(token.tokenInvalid);
  assert.equal(err(400, { error: "etcdserver: permission denied", code: 7 }).kind, "permission");
  assert.ok(err(503, { error: "etcdserver: no leader", code: 14 }).retryable);
  assert.equal(err(400, { error: "etcdserver: key is not provided", code: 3 }).kind, "api");
  const stream = err(200, { error: { grpc_code: 16, message: "etcdserver: invalid auth token" } });
  assert.ok(stream.tokenInvalid);
  const cn = thrown(() =>
    parseAnswer(
      400,
      "CommonName of client sending a request against gateway will be ignored and not used as expected\n",
      where,
    )
  );
  assert.equal(cn.kind, "auth");
  assert.match(cn.message, /issue reactor's certificate without one \(openssl -subj \/O=reactor\)/);
  const old = thrown(() => parseAnswer(404, "Not Found\n", where));
  assert.equal(old.kind, "protocol");
  assert.match(old.message, /— reactor needs etcd 3\.4 or newer/);
  assert.deepEqual(parseAnswer(200, '{"header":{}}', where), { header: {} });
});
