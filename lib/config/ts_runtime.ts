/**
 * reactor's side of the Worker that runs a `reactor.config.ts` (see `ts_protocol.ts`): load with
 * a time limit, call config functions, run handlers with their `exec`/`docker`/`log` proxied, and
 * stop a runaway. A handler that never yields blocks only the Worker: when its time is up and the
 * Worker does not answer a ping, reactor terminates it, fails what was running there, and loads
 * the config into a fresh Worker for the next events.
 *
 * @module
 */
import type { ContainerInfo, ReactorEvent } from "../reactor.d.ts";
import type { HostContext } from "../engine/hook.ts";
import type { Run } from "../exec/run.ts";
import type { Log } from "../log.ts";
import {
  type FnRef,
  fromWireError,
  type FromWorker,
  type RpcRequest,
  toWireError,
  type ToWorker,
  type WireError,
} from "./ts_protocol.ts";

/** Marks a function that lives in a config Worker. */
export const WORKER_FN: unique symbol = Symbol("reactor.configWorkerFunction");

/** A config function that runs in the Worker. */
export interface WorkerFunction {
  (...args: unknown[]): Promise<unknown>;
  readonly [WORKER_FN]: { readonly runtime: TsConfigRuntime; readonly path: string };
}

/** True for a function of a config that runs in its Worker. */
export function isWorkerFunction(f: unknown): f is WorkerFunction {
  return typeof f === "function" && WORKER_FN in f;
}

/** Default time a config may take to load (import + default-export factory). */
export const DEFAULT_LOAD_TIMEOUT_MS = 10_000;
/** How long a Worker has to answer a ping once a handler's time is up. */
const PING_GRACE_MS = 1_000;

/** Why loading failed: the stage and the error (as the Worker saw it). */
export class TsLoadError extends Error {
  readonly stage: "import" | "no-default" | "factory" | "value" | "timeout";
  readonly wire?: WireError;
  constructor(stage: TsLoadError["stage"], wire?: WireError) {
    super(wire?.message ?? stage);
    this.name = "TsLoadError";
    this.stage = stage;
    this.wire = wire;
  }
}

/** What a handler run needs from the engine. */
export interface InvokeInput {
  readonly fn: string;
  readonly container: ContainerInfo | undefined;
  readonly event: ReactorEvent;
  readonly host: HostContext;
  readonly movedOn: boolean;
  readonly exec: Run;
  readonly log: Log;
  readonly signal: AbortSignal;
}

interface Call {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  input?: InvokeInput;
}

/** One loaded config file, running in its own Worker. */
export class TsConfigRuntime {
  readonly url: string;
  readonly timeoutMs: number;
  #worker: Worker | undefined;
  #calls = new Map<number, Call>();
  #pongs = new Map<number, () => void>();
  #next = 1;
  #closed = false;
  #restarting: Promise<void> | undefined;
  /** Workers terminated because a handler never yielded. */
  restarts = 0;

  private constructor(url: string, timeoutMs: number) {
    this.url = url;
    this.timeoutMs = timeoutMs;
  }

  /**
   * Load `url` in a new Worker; resolves with the runtime and the config value (functions
   * replaced by {@link WorkerFunction}s). Rejects with {@link TsLoadError}.
   */
  static async load(
    url: string,
    opts: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<{ runtime: TsConfigRuntime; value: unknown }> {
    const rt = new TsConfigRuntime(url, opts.timeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS);
    const raw = await rt.#start(opts.signal);
    return { runtime: rt, value: rt.#revive(raw) };
  }

  /** Call a config function with plain arguments. */
  call(path: string, args: unknown[]): Promise<unknown> {
    return this.#send((id) => ({ type: "call", id, fn: path, args }));
  }

  /** Run a handler; its `ctx.exec`/`docker`/`log` come back here. */
  async invoke(input: InvokeInput): Promise<void> {
    if (this.#restarting) await this.#restarting;
    const h = input.host;
    let id = 0;
    const onAbort = () => {
      this.#post({ type: "abort", id, reason: String(input.signal.reason ?? "aborted") });
      void this.#checkResponsive(input);
    };
    const p = this.#send((n) => {
      id = n;
      return {
        type: "invoke",
        id: n,
        fn: input.fn,
        container: input.container,
        event: input.event,
        host: { id: h.id, name: h.name, rootless: h.rootless, local: h.local },
        movedOn: input.movedOn,
      };
    }, input);
    if (input.signal.aborted) onAbort();
    else input.signal.addEventListener("abort", onAbort, { once: true });
    try {
      await p;
    } finally {
      input.signal.removeEventListener("abort", onAbort);
    }
  }

  /** Terminate the Worker; anything still running there fails. */
  close(): void {
    this.#closed = true;
    this.#terminate(new Error("the config was unloaded"));
  }

  #start(signal?: AbortSignal): Promise<unknown> {
    const worker = new Worker(new URL("./ts_worker.ts", import.meta.url), { type: "module" });
    this.#worker = worker;
    return new Promise<unknown>((resolve, reject) => {
      const fail = (e: TsLoadError) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        worker.terminate();
        this.#worker = undefined;
        reject(e);
      };
      const timer = setTimeout(() => fail(new TsLoadError("timeout")), this.timeoutMs);
      const onAbort = () => fail(new TsLoadError("timeout"));
      signal?.addEventListener("abort", onAbort, { once: true });
      worker.onerror = (e) => {
        e.preventDefault();
        fail(new TsLoadError("import", { name: "Error", message: e.message }));
      };
      worker.onmessage = (e: MessageEvent<FromWorker>) => {
        const m = e.data;
        if (m.type === "loaded") {
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          worker.onmessage = (ev: MessageEvent<FromWorker>) => this.#onMessage(ev.data);
          worker.onerror = (ev) => {
            ev.preventDefault();
            this.#terminate(new Error(`the config's Worker crashed: ${ev.message}`));
          };
          resolve(m.value);
        } else if (m.type === "load-failed") fail(new TsLoadError(m.stage, m.error));
      };
      this.#post({ type: "load", url: this.url });
    });
  }

  #revive(v: unknown): unknown {
    if (typeof v !== "object" || v === null || v instanceof RegExp || v instanceof Date) return v;
    if (Array.isArray(v)) return v.map((x) => this.#revive(x));
    if (typeof (v as FnRef).$fn === "string" && Object.keys(v).length === 1) {
      const path = (v as FnRef).$fn;
      const fn = (...args: unknown[]) => this.call(path, args);
      Object.defineProperty(fn, WORKER_FN, { value: { runtime: this, path } });
      Object.defineProperty(fn, "name", { value: path });
      return fn;
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = this.#revive(x);
    return out;
  }

  #send(make: (id: number) => ToWorker, input?: InvokeInput): Promise<unknown> {
    if (this.#closed || !this.#worker) {
      return Promise.reject(new Error("the config's Worker is not running"));
    }
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#calls.set(id, { resolve, reject, input });
      this.#post(make(id));
    });
  }

  #post(m: ToWorker): void {
    try {
      this.#worker?.postMessage(m);
    } catch (err) {
      const id = "id" in m ? m.id : -1;
      const c = this.#calls.get(id);
      this.#calls.delete(id);
      c?.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  #onMessage(m: FromWorker): void {
    if (m.type === "result") {
      const c = this.#calls.get(m.id);
      this.#calls.delete(m.id);
      if (m.ok) c?.resolve(m.value);
      else c?.reject(fromWireError(m.error));
    } else if (m.type === "pong") {
      this.#pongs.get(m.id)?.();
    } else if (m.type === "rpc") {
      void this.#answer(m.id, this.#calls.get(m.invocation)?.input, m.request);
    }
  }

  async #answer(id: number, input: InvokeInput | undefined, req: RpcRequest): Promise<void> {
    const reply = (ok: boolean, value: unknown) =>
      this.#post(
        ok
          ? { type: "rpc-result", id, ok: true, value }
          : { type: "rpc-result", id, ok: false, error: toWireError(value) },
      );
    if (!input) return reply(false, new Error("the handler has already finished"));
    try {
      if (req.op === "log") {
        input.log[req.level](req.message, req.fields as Record<string, unknown>);
        return reply(true, undefined);
      }
      if (req.op === "exec") {
        const r = await input.exec(req.argv, {
          ...req.opts,
          signal: input.signal,
          onLine: req.lines
            ? (stream, line) => this.#post({ type: "rpc-line", id, stream, line })
            : undefined,
        });
        return reply(true, r);
      }
      const docker = input.host.docker as unknown as Record<string, (...a: unknown[]) => unknown>;
      if (!["info", "listContainers", "inspect", "networks", "exec", "json"].includes(req.method)) {
        return reply(false, new Error(`ctx.docker.${req.method} is not available`));
      }
      reply(true, await docker[req.method]!.call(input.host.docker, ...withSignal(req, input)));
    } catch (err) {
      reply(false, err);
    }
  }

  /** After a timeout: if the Worker does not answer a ping, a handler never yields: restart. */
  async #checkResponsive(input: InvokeInput): Promise<void> {
    if (!this.#worker || this.#closed) return;
    const id = this.#next++;
    const answered = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => {
        this.#pongs.delete(id);
        resolve(false);
      }, PING_GRACE_MS);
      this.#pongs.set(id, () => {
        clearTimeout(t);
        this.#pongs.delete(id);
        resolve(true);
      });
      this.#post({ type: "ping", id });
    });
    if (answered || this.#closed) return;
    this.restarts++;
    input.log.error(
      `Handler "${input.fn}" of ${
        this.url.replace(/\?.*$/, "")
      } never yielded after its timeout; ` +
        `stopping its Worker and loading the config again — make the handler await, or bound its loop`,
    );
    this.#terminate(new Error(`handler "${input.fn}" never yielded: its Worker was stopped`));
    this.#restarting = this.#start().then(() => {}, (err) => {
      input.log.error(`Cannot load the config again after stopping its Worker: ${err.message}`);
      this.#closed = true;
    }).finally(() => this.#restarting = undefined);
  }

  #terminate(why: Error): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    const calls = [...this.#calls.values()];
    this.#calls.clear();
    for (const c of calls) c.reject(why);
  }
}

function withSignal(req: Extract<RpcRequest, { op: "docker" }>, input: InvokeInput): unknown[] {
  // the proxied client methods take an options object or a trailing signal: use the handler's
  const args = [...req.args];
  if (req.method === "listContainers" || req.method === "exec" || req.method === "json") {
    const i = req.method === "listContainers" ? 0 : 2;
    args[i] = { ...(args[i] as object | undefined), signal: input.signal };
  } else if (req.method === "inspect") args[1] = input.signal;
  else args[0] = input.signal;
  return args;
}
