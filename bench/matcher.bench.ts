/**
 * `deno bench bench/matcher.bench.ts`: the matcher on one core — 1,000 events from a busy host's
 * mix through 100 YAML rules (globs, regexes, lists, labels), as the dispatcher asks them.
 * `deno task bench` runs it and reports events per second.
 *
 * @module
 */
import { eventMix, matchAll, ruleHooks } from "./matcher_rules.ts";

const hooks = await ruleHooks(100);
const events = eventMix(1000);

Deno.bench("matcher: 1,000 events × 100 YAML rules", () => {
  matchAll(hooks, events);
});
