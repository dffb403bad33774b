/**
 * Log a failing thing once per burst: the first failure after a success is a warning, later
 * ones are only counted (with a reminder every `remindMs`), and the first success after a burst
 * says how many failed. A dead endpoint then costs two log lines, not one per event.
 *
 * @module
 */
import type { Log, LogFields } from "../log.ts";

interface Burst {
  count: number;
  since: number;
  lastLog: number;
}

/**
 * Burst-aware logging per key.
 *
 * @example
 * ```ts ignore
 * const bursts = new BurstLog(log);
 * bursts.failure("slack", 'Webhook "slack" failed: HTTP 503', { rule: "slack" });
 * bursts.success("slack", (n) => `Webhook "slack" delivers again after ${n} failures`);
 * ```
 */
export class BurstLog {
  readonly #log: Log;
  readonly #remindMs: number;
  readonly #now: () => number;
  readonly #bursts = new Map<string, Burst>();

  constructor(log: Log, opts: { remindMs?: number; now?: () => number } = {}) {
    this.#log = log;
    this.#remindMs = opts.remindMs ?? 5 * 60_000;
    this.#now = opts.now ?? Date.now;
  }

  /** A failure: warns on the first of a burst and then every `remindMs`. */
  failure(key: string, message: string, fields: LogFields = {}): void {
    const now = this.#now();
    const b = this.#bursts.get(key);
    if (!b) {
      this.#bursts.set(key, { count: 1, since: now, lastLog: now });
      this.#log.warn(message, fields);
      return;
    }
    b.count++;
    if (now - b.lastLog >= this.#remindMs) {
      b.lastLog = now;
      this.#log.warn(`${message} (${b.count} failures since ${new Date(b.since).toISOString()})`, {
        ...fields,
        failures: b.count,
      });
    }
  }

  /** A success: ends a burst with one info line built from the failure count. */
  success(key: string, message: (failures: number) => string, fields: LogFields = {}): void {
    const b = this.#bursts.get(key);
    if (!b) return;
    this.#bursts.delete(key);
    this.#log.info(message(b.count), { ...fields, failures: b.count });
  }

  /** Failures in the current burst of `key` (0 when none). */
  failures(key: string): number {
    return this.#bursts.get(key)?.count ?? 0;
  }
}
