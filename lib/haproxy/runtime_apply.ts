/**
 * Carrying out a runtime plan on the Runtime API, in order. New servers start in maintenance
 * (HAProxy's rule for `add server`); with health checks they then count as DOWN until the checks
 * pass, so no request reaches a container that is not listening yet. A removed server is put in
 * maintenance first (no new requests) and deleted once its connections are gone.
 *
 * @module
 */
import { errorMessage } from "../errors.ts";
import type { Log } from "../log.ts";
import { sleep } from "../util/sleep.ts";
import type { RuntimeApi } from "./runtime_api.ts";
import { describeOp, type RuntimeOp } from "./runtime_plan.ts";

/** How long a removed server may keep connections before it is left in maintenance. */
const DEL_PATIENCE_MS = 3000;

/** Outcome: how many ops were applied, and the error that stopped the rest. */
export interface ApplyOpsResult {
  applied: number;
  error?: string;
}

/**
 * Apply `ops` in order; stop at the first failure.
 *
 * @example
 * ```ts ignore
 * const r = await applyOps(api, plan.ops, log);
 * ```
 */
export async function applyOps(
  api: RuntimeApi,
  ops: readonly RuntimeOp[],
  log: Log,
): Promise<ApplyOpsResult> {
  let applied = 0;
  for (const op of ops) {
    try {
      await applyOne(api, op, log);
      applied++;
    } catch (err) {
      return { applied, error: `${describeOp(op)}: ${errorMessage(err)}` };
    }
  }
  return { applied };
}

async function applyOne(api: RuntimeApi, op: RuntimeOp, log: Log): Promise<void> {
  const { backend: b, server: s } = op;
  switch (op.op) {
    case "add":
      await api.addServer(b, s, op.args);
      if (op.checked) await api.enableHealth(b, s);
      if (op.enable) {
        if (op.checked) await api.enableServerAfterChecks(b, s);
        else await api.enableServer(b, s);
      }
      return;
    case "del":
      await api.disableServer(b, s);
      await deleteWhenIdle(api, b, s, log);
      return;
    case "weight":
      return await api.setWeight(b, s, op.weight);
    case "addr":
      return await api.setAddress(b, s, op.address, op.port);
    case "enable":
      return await api.enableServer(b, s);
    case "disable":
      return await api.disableServer(b, s);
  }
}

async function deleteWhenIdle(api: RuntimeApi, b: string, s: string, log: Log): Promise<void> {
  const deadline = performance.now() + DEL_PATIENCE_MS;
  for (let wait = 20;; wait = Math.min(wait * 2, 400)) {
    try {
      return await api.delServer(b, s);
    } catch (err) {
      if (performance.now() >= deadline) {
        // in maintenance it gets no traffic; the next update deletes it
        log.warn(`HAProxy server ${b}/${s} kept in maintenance: ${errorMessage(err)}`);
        return;
      }
    }
    await sleep(wait);
  }
}
