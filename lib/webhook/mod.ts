/**
 * The webhook action: validate a rule's `webhook:` block ({@link validateWebhook}), then
 * {@link WebhookDispatcher.send} per matching event; outcomes feed `ReactorMetrics.observeWebhook`.
 *
 * @module
 */
export {
  describeWebhook,
  validateWebhook,
  type WebhookProblem,
  type WebhookSettings,
} from "./settings.ts";
export {
  DEFAULT_CAPACITY,
  type DeliveryOutcome,
  WebhookDispatcher,
  type WebhookDispatcherOptions,
} from "./queue.ts";
export { deliver, type DeliveryResult, type WebhookRequest } from "./deliver.ts";
export { redactHeaders, redactUrl, scrubSecrets } from "./redact.ts";
export { type BodyTemplate, compileBody, renderBody } from "./render.ts";
