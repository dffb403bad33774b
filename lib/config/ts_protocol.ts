/**
 * Messages between reactor and the Worker that runs a `reactor.config.ts`. The user's module is
 * evaluated, called and run there, never on the engine's thread: an endless loop at load time,
 * a default export that never settles, or a handler that never yields cannot freeze the daemon
 * (reactor terminates the Worker). Everything crossing is structured-clone data; functions of
 * the config cross as {@link FnRef}s and are called back by id.
 *
 * @module
 */
import type { ContainerInfo, ReactorEvent, RunResult } from "../reactor.d.ts";

/** A function of the config, by its path in the exported value (`onStart`, `on[0].run`). */
export interface FnRef {
  readonly $fn: string;
}

/** What the engine knows about the host, as a handler sees it. */
export interface HostData {
  readonly id: string;
  readonly name: string;
  readonly rootless: boolean;
  readonly local: boolean;
}

/** reactor → Worker. */
export type ToWorker =
  | { type: "load"; url: string }
  /** Call a config function with plain arguments (a template renderer, …). */
  | { type: "call"; id: number; fn: string; args: unknown[] }
  /** Run a handler: the Worker builds its `ctx` and proxies `exec`, `docker`, `log` back. */
  | {
    type: "invoke";
    id: number;
    fn: string;
    container: ContainerInfo | undefined;
    event: ReactorEvent;
    host: HostData;
    movedOn: boolean;
  }
  /** The handler's time ran out (or reactor stops): abort its `ctx.signal`. */
  | { type: "abort"; id: number; reason: string }
  /** Are you responsive? (a handler that never yields blocks the Worker's thread). */
  | { type: "ping"; id: number }
  /** Answer to an {@link RpcRequest}. */
  | { type: "rpc-result"; id: number; ok: true; value: unknown }
  | { type: "rpc-result"; id: number; ok: false; error: WireError }
  /** One output line of a proxied `exec` with `onLine`. */
  | { type: "rpc-line"; id: number; stream: "stdout" | "stderr"; line: string };

/** An error that crossed the boundary (name, message and a few known fields). */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  /** CommandError fields. */
  argv?: readonly string[];
  code?: number | null;
  stderr?: string;
  stdout?: string;
  reason?: string;
}

/** What a handler may ask reactor to do. */
export type RpcRequest =
  | { op: "exec"; argv: readonly string[]; opts: Record<string, unknown>; lines: boolean }
  | { op: "docker"; method: string; args: unknown[] }
  | { op: "log"; level: "debug" | "info" | "warn" | "error"; message: string; fields: object };

/** Worker → reactor. */
export type FromWorker =
  | { type: "loaded"; value: unknown }
  | { type: "load-failed"; stage: "import" | "no-default" | "factory" | "value"; error: WireError }
  | { type: "result"; id: number; ok: true; value: unknown }
  | { type: "result"; id: number; ok: false; error: WireError }
  | { type: "pong"; id: number }
  | { type: "rpc"; id: number; invocation: number; request: RpcRequest };

/** Make any thrown value crossable. */
export function toWireError(err: unknown): WireError {
  if (!(err instanceof Error)) return { name: "Error", message: String(err) };
  const e = err as Error & Partial<WireError>;
  const out: WireError = { name: e.name, message: e.message, stack: e.stack };
  for (const k of ["argv", "code", "stderr", "stdout", "reason"] as const) {
    if (e[k] !== undefined) (out as unknown as Record<string, unknown>)[k] = e[k];
  }
  return out;
}

/** Rebuild an Error (with the known extra fields) on the receiving side. */
export function fromWireError(w: WireError): Error {
  const err = new Error(w.message) as Error & Partial<WireError>;
  err.name = w.name;
  if (w.stack) err.stack = w.stack;
  for (const k of ["argv", "code", "stderr", "stdout", "reason"] as const) {
    if (w[k] !== undefined) (err as unknown as Record<string, unknown>)[k] = w[k];
  }
  return err;
}

/** Result of a proxied exec. */
export type ExecReply = RunResult;
