/**
 * Run the hooks for one event: sequentially, each with its own timeout and isolated from the
 * others (a throw or a hang is logged and counted, never propagated).
 *
 * @module
 */
import { errorMessage } from "../errors.ts";
import type { Run } from "../exec/run.ts";
import type { Log } from "../log.ts";
import type { ContainerInfo, ReactorEvent } from "../reactor.d.ts";
import type { HandlerContext, Hook, HostContext, Trigger } from "./hook.ts";

/** Outcome of one hook invocation. */
export interface HookOutcome {
  /** The hook's name (`rule:My rule`). */
  hook: string;
  /** Its kind and rule, for metrics (`rule`, `My rule`). */
  kind: string;
  rule: string;
  ok: boolean;
  error?: string;
  timedOut?: boolean;
  durationMs: number;
}

/** Inputs for {@link runHooks}. */
export interface RunHooksInput {
  hooks: readonly Hook[];
  event: ReactorEvent;
  container: ContainerInfo | undefined;
  /** The container moved on since the event (see {@link HandlerContext.movedOn}). */
  movedOn?: boolean;
  host: HostContext;
  log: Log;
  exec: Run;
  trigger: Trigger;
  timeoutMs: number;
  /** Aborted on shutdown; combined with each hook's timeout signal. */
  signal?: AbortSignal;
}

/**
 * The hooks that want `ev`, in order, each asked once. A filter that throws is logged and its
 * hook left out.
 */
export function wantingHooks(hooks: readonly Hook[], ev: ReactorEvent, log: Log): Hook[] {
  const out: Hook[] = [];
  for (const hook of hooks) {
    try {
      if (hook.wants(ev)) out.push(hook);
    } catch (err) {
      log.error(`Hook "${hook.name}" filter failed: ${errorMessage(err)}`, { host: ev.hostId });
    }
  }
  return out;
}

/**
 * Run `hooks` (those that want the event, see {@link wantingHooks}; for resync triggers only
 * those with `resync`).
 */
export async function runHooks(input: RunHooksInput): Promise<HookOutcome[]> {
  const out: HookOutcome[] = [];
  const ev = input.event;
  const outer = input.signal;
  for (const hook of input.hooks) {
    if (input.trigger === "resync" && !hook.resync) continue;
    const timeoutMs = hook.timeoutMs ?? input.timeoutMs;
    // one controller per hook, aborted by its timeout or by shutdown (a listener is cheaper
    // than a dependent signal from AbortSignal.any)
    const ac = new AbortController();
    const onShutdown = () => ac.abort(outer?.reason);
    if (outer?.aborted) onShutdown();
    else outer?.addEventListener("abort", onShutdown, { once: true });
    const signal = ac.signal;
    const log = input.log.child({ hook: hook.name });
    const ctx: HandlerContext = {
      event: ev,
      container: input.container,
      host: input.host,
      log,
      signal,
      exec: input.exec,
      movedOn: input.movedOn ?? false,
    };
    const id = { hook: hook.name, kind: hook.kind ?? hook.name, rule: hook.rule ?? "" };
    const started = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    try {
      const call = input.trigger === "resync" ? hook.resync!(ctx) : hook.handle(ctx);
      const r = await Promise.race([call.then(() => "ok" as const), timeout]);
      const durationMs = performance.now() - started;
      if (r === "timeout") {
        ac.abort(new Error(`timeout after ${timeoutMs} ms`));
        call.catch(() => {}); // it may still settle later; ignore
        const msg = `Hook "${hook.name}" timed out after ${timeoutMs} ms`;
        log.error(msg, { durationMs: Math.round(durationMs) });
        out.push({ ...id, ok: false, error: msg, timedOut: true, durationMs });
      } else {
        log.debug(`Hook "${hook.name}" done`, { durationMs: Math.round(durationMs) });
        out.push({ ...id, ok: true, durationMs });
      }
    } catch (err) {
      const durationMs = performance.now() - started;
      const msg = errorMessage(err);
      log.error(`Hook "${hook.name}" failed: ${msg}`, { durationMs: Math.round(durationMs) });
      out.push({ ...id, ok: false, error: msg, durationMs });
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener("abort", onShutdown);
    }
  }
  return out;
}
