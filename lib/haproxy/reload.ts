/**
 * Reloading HAProxy and making sure it took: run the reload command (or send SIGUSR2 to the
 * master), then wait until a new worker answers on the Runtime API. HAProxy's master keeps the
 * old workers when a new config fails to load, so a failed reload never stops HAProxy; this
 * module only has to notice it.
 *
 * @module
 */
import { errorMessage } from "../errors.ts";
import type { Run } from "../exec/run.ts";
import { sleep } from "../util/sleep.ts";
import type { RuntimeApi } from "./runtime_api.ts";

/** Options for {@link reloadHaproxy}. */
export interface ReloadOptions {
  exec: Run;
  api: RuntimeApi;
  /** Reload command (argv). */
  reload: readonly string[];
  /** When set: SIGUSR2 to the pid in this file instead of the command. */
  masterPidFile?: string;
  /** Longest wait for a new worker. */
  timeoutMs: number;
}

/** Outcome of {@link reloadHaproxy}. */
export type ReloadResult =
  | { ok: true; workerPid?: number; unverified?: boolean }
  | { ok: false; detail: string };

/**
 * Reload and wait for the new worker.
 *
 * @example
 * ```ts ignore
 * const r = await reloadHaproxy({ exec, api, reload: ["systemctl", "reload", "haproxy"], timeoutMs: 15000 });
 * ```
 */
export async function reloadHaproxy(opts: ReloadOptions): Promise<ReloadResult> {
  const before = await opts.api.workerPid().catch(() => undefined);
  try {
    if (opts.masterPidFile) await signalMaster(opts.masterPidFile);
    else await opts.exec(opts.reload, { timeoutMs: 60_000 });
  } catch (err) {
    return { ok: false, detail: `the reload failed: ${errorMessage(err)}` };
  }
  if (before === undefined) {
    // no Runtime API to ask (e.g. a template without a stats socket): trust the command
    return { ok: true, unverified: true };
  }
  const deadline = performance.now() + opts.timeoutMs;
  while (performance.now() < deadline) {
    const pid = await opts.api.workerPid().catch(() => undefined);
    if (pid !== undefined && pid !== before) return { ok: true, workerPid: pid };
    await sleep(50);
  }
  return {
    ok: false,
    detail: `no new HAProxy worker within ${opts.timeoutMs} ms after the reload: worker ` +
      `${before} still answers, so HAProxy keeps its previous config — see HAProxy's log`,
  };
}

async function signalMaster(pidFile: string): Promise<void> {
  const text = (await Deno.readTextFile(pidFile)).trim().split(/\s+/)[0] ?? "";
  const pid = Number(text);
  if (!/^\d+$/.test(text) || pid <= 1) {
    throw new Error(
      `${pidFile} does not hold a pid (${JSON.stringify(text)}) — check master_pid_file`,
    );
  }
  Deno.kill(pid, "SIGUSR2");
}
