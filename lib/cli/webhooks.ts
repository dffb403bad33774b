/**
 * The daemon's one webhook dispatcher: made with the engine's observer (each delivery's outcome
 * is an observation, so metrics count it), given a bounded drain on shutdown, then closed.
 *
 * @module
 */
import type { Observer } from "../engine/observer.ts";
import type { Log } from "../log.ts";
import { sleep } from "../util/sleep.ts";
import { WebhookDispatcher } from "../webhook/queue.ts";

/** The process's one webhook dispatcher; each delivery's outcome is observed (metrics). */
export function daemonWebhooks(log: Log, observer: Observer): WebhookDispatcher {
  return new WebhookDispatcher({
    log,
    onOutcome: (o) =>
      observer.emit({
        kind: "webhook",
        at: Date.now(),
        hostId: "",
        rule: o.rule,
        outcome: o.outcome,
        attempts: o.attempts,
        target: o.target,
        durationMs: o.durationMs,
        error: o.error,
      }),
  });
}

/** Let queued webhooks go out for up to `ms`, then drop what is left and close. */
export async function closeWebhooks(w: WebhookDispatcher, ms: number, log: Log): Promise<void> {
  const ac = new AbortController();
  const idle = await Promise.race([
    w.idle().then(() => true),
    sleep(ms, ac.signal).then(() => false),
  ]);
  ac.abort();
  if (!idle) {
    log.warn(`Webhook deliveries still pending after ${ms} ms on shutdown: dropping them`, {
      queued: w.depth,
    });
  }
  await w.close();
}
