/** Outcome of one webhook delivery. */
export interface DeliveryOutcome {
  rule: string;
  outcome: "ok" | "failed" | "dropped";
  attempts: number;
}
