/**
 * The Worker that evaluates and runs one `reactor.config.ts` (see `ts_protocol.ts`). It imports
 * the module, calls a default-exported factory, sends back the config value with functions
 * replaced by references, and later runs those functions on request, giving handlers a `ctx`
 * whose `exec`, `docker` and `log` are proxied to reactor.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import type { Context, DockerApi, Log, LogFields, Run, RunOptions } from "../reactor.d.ts";
import { makeIp, makeNsenter } from "./net.ts";
import {
  type FnRef,
  fromWireError,
  type FromWorker,
  type HostData,
  type RpcRequest,
  toWireError,
  type ToWorker,
} from "./ts_protocol.ts";

const fns = new Map<string, (...args: unknown[]) => unknown>();
const aborts = new Map<number, AbortController>();
const pending = new Map<
  number,
  { resolve: (v: unknown) => void; reject: (e: Error) => void; onLine?: RunOptions["onLine"] }
>();
let nextRpc = 1;

function post(m: FromWorker): void {
  self.postMessage(m);
}

/** Replace functions by references (by path), refuse what cannot cross. */
function serialize(v: unknown, path: string, seen: Set<object>): unknown {
  if (typeof v === "function") {
    fns.set(path, v as (...args: unknown[]) => unknown);
    return { $fn: path } satisfies FnRef;
  }
  if (typeof v !== "object" || v === null || v instanceof RegExp || v instanceof Date) return v;
  if (seen.has(v)) throw new TypeError(`the config value at ${path || "the top"} is circular`);
  seen.add(v);
  try {
    if (Array.isArray(v)) return v.map((x, i) => serialize(x, `${path}[${i}]`, seen));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      out[k] = serialize(x, path ? `${path}.${k}` : k, seen);
    }
    return out;
  } finally {
    seen.delete(v);
  }
}

function rpc(invocation: number, request: RpcRequest, onLine?: RunOptions["onLine"]) {
  const id = nextRpc++;
  return new Promise<unknown>((resolve, reject) => {
    pending.set(id, { resolve, reject, onLine });
    post({ type: "rpc", id, invocation, request });
  });
}

function makeLog(invocation: number, bound: LogFields): Log {
  const send = (level: "debug" | "info" | "warn" | "error") => (m: string, f?: LogFields) =>
    void rpc(invocation, { op: "log", level, message: String(m), fields: { ...bound, ...f } })
      .catch(() => {});
  return {
    debug: send("debug"),
    info: send("info"),
    warn: send("warn"),
    error: send("error"),
    child: (f) => makeLog(invocation, { ...bound, ...f }),
  };
}

function makeDocker(invocation: number, hostId: string): DockerApi {
  const call = (method: string) => (...args: unknown[]) =>
    rpc(invocation, {
      op: "docker",
      method,
      // signals cannot cross: reactor uses the handler's own
      args: args.map((a) => stripSignal(a)),
    });
  return {
    hostId,
    info: call("info"),
    listContainers: call("listContainers"),
    inspect: call("inspect"),
    networks: call("networks"),
    exec: call("exec"),
    json: call("json"),
  } as DockerApi;
}

function stripSignal(a: unknown): unknown {
  if (a instanceof AbortSignal) return undefined;
  if (typeof a === "object" && a !== null && !Array.isArray(a) && "signal" in a) {
    const { signal: _s, ...rest } = a as Record<string, unknown>;
    return rest;
  }
  return a;
}

function makeContext(
  m: Extract<ToWorker, { type: "invoke" }>,
  signal: AbortSignal,
): Context {
  const exec: Run = async (argv, opts = {}) => {
    const { onLine, signal: _sig, ...rest } = opts;
    return await rpc(
      m.id,
      { op: "exec", argv: [...argv], opts: rest, lines: !!onLine },
      onLine,
    ) as Awaited<ReturnType<Run>>;
  };
  const host: HostData = m.host;
  return {
    event: m.event,
    movedOn: m.movedOn,
    host,
    docker: makeDocker(m.id, host.id),
    log: makeLog(m.id, {}),
    signal,
    exec,
    ip: makeIp(exec, host, signal),
    nsenter: makeNsenter(exec, host),
  };
}

async function load(url: string): Promise<void> {
  let mod: Record<string, unknown>;
  try {
    mod = await import(url);
  } catch (err) {
    return post({ type: "load-failed", stage: "import", error: toWireError(err) });
  }
  if (!("default" in mod)) {
    return post({
      type: "load-failed",
      stage: "no-default",
      error: { name: "Error", message: "" },
    });
  }
  let value = mod["default"];
  if (typeof value === "function") {
    try {
      value = await (value as () => unknown)();
    } catch (err) {
      return post({ type: "load-failed", stage: "factory", error: toWireError(err) });
    }
  }
  try {
    post({ type: "loaded", value: serialize(value, "", new Set()) });
  } catch (err) {
    post({ type: "load-failed", stage: "value", error: toWireError(err) });
  }
}

async function run(id: number, body: () => unknown): Promise<void> {
  try {
    post({ type: "result", id, ok: true, value: await body() });
  } catch (err) {
    post({ type: "result", id, ok: false, error: toWireError(err) });
  }
}

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  switch (m.type) {
    case "load":
      void load(m.url);
      break;
    case "call": {
      const fn = fns.get(m.fn);
      void run(m.id, () => {
        if (!fn) throw new Error(`no function at ${m.fn}`);
        return fn(...m.args);
      });
      break;
    }
    case "invoke": {
      const fn = fns.get(m.fn);
      const ac = new AbortController();
      aborts.set(m.id, ac);
      void run(m.id, async () => {
        if (!fn) throw new Error(`no function at ${m.fn}`);
        return void await fn(m.container, makeContext(m, ac.signal));
      }).finally(() => aborts.delete(m.id));
      break;
    }
    case "abort":
      aborts.get(m.id)?.abort(new Error(m.reason));
      break;
    case "ping":
      post({ type: "pong", id: m.id });
      break;
    case "rpc-result": {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.ok) p?.resolve(m.value);
      else p?.reject(fromWireError(m.error));
      break;
    }
    case "rpc-line":
      pending.get(m.id)?.onLine?.(m.stream, m.line);
      break;
  }
};
