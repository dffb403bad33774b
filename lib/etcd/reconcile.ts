/**
 * Reconciliation of one host's directory, as a pure plan: given what etcd holds there and what
 * should be there, which keys to write and which to delete. A key is ours to delete when it is
 * on our lease, or when it is a record written for this host id by this engine (an earlier run of
 * reactor, whose lease may still be alive); anything else in the directory is left alone and
 * reported, never deleted.
 *
 * @module
 */
import type { KeyValue } from "./wire.ts";
import type { HostScope } from "./key.ts";
import { recordOwner } from "./summary.ts";

/** A key in the host's directory that is not ours. */
export interface ForeignKey {
  kv: KeyValue;
  /** The record's writer when it is a reactor record (another reactor with the same host id). */
  owner?: { hostId: string; engine: string };
  /** True when one of our containers has the same key, so it is overwritten anyway. */
  overwritten: boolean;
}

/** What {@link planHost} decided. */
export interface HostPlan {
  puts: { key: string; value: string }[];
  deletes: string[];
  foreign: ForeignKey[];
}

/** Input of {@link planHost}. */
export interface PlanInput {
  scope: HostScope;
  /** Everything etcd returned under `scope.dir`. */
  existing: readonly KeyValue[];
  /** key → record that should be there. */
  wanted: ReadonlyMap<string, string>;
  /** Our lease id. */
  lease: string;
  host: { hostId: string; engine: string };
}

/**
 * Plan one host's reconciliation.
 *
 * @example
 * ```ts ignore
 * const plan = planHost({ scope, existing: await etcd.getPrefix(scope.dir), wanted, lease, host });
 * ```
 */
export function planHost(input: PlanInput): HostPlan {
  const { scope, wanted, lease, host } = input;
  const plan: HostPlan = { puts: [], deletes: [], foreign: [] };
  const existing = new Map<string, KeyValue>();
  for (const kv of input.existing) {
    if (kv.key.startsWith(scope.dir) && scope.leaf.test(kv.key.slice(scope.dir.length))) {
      existing.set(kv.key, kv);
    }
  }
  const owned = (kv: KeyValue): boolean => {
    if (kv.lease === lease) return true;
    const owner = recordOwner(kv.value);
    return owner !== undefined && owner.hostId === host.hostId && owner.engine === host.engine;
  };
  const foreign = (kv: KeyValue, overwritten: boolean) =>
    plan.foreign.push({ kv, owner: recordOwner(kv.value), overwritten });
  for (const [key, kv] of existing) {
    if (wanted.has(key)) continue;
    if (owned(kv)) plan.deletes.push(key);
    else foreign(kv, false);
  }
  for (const [key, value] of wanted) {
    const kv = existing.get(key);
    if (kv && kv.value === value && kv.lease === lease) continue;
    if (kv && !owned(kv)) foreign(kv, true);
    plan.puts.push({ key, value });
  }
  return plan;
}
