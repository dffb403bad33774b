/**
 * The built-in hooks, in run order (label networking first: it sets up what later hooks and
 * user handlers may rely on). Config validation, `reactor check`, `simulate`, the CLI flags and
 * the daemon factory all iterate this list: a new built-in hook is one file plus one line here.
 *
 * @module
 */
import type { BuiltinHook } from "../lib/config/builtin.ts";
import { etcd } from "./etcd.ts";
import { glue } from "./glue.ts";
import { haproxy } from "./haproxy.ts";
import { labels } from "./labels.ts";
import { metrics } from "./metrics.ts";
import { scripts } from "./scripts.ts";

/** Every built-in hook. */
export const BUILTIN_HOOKS: readonly BuiltinHook[] = [
  labels,
  scripts,
  haproxy,
  glue,
  // level-triggered: they follow the inventory and the observer, not single events
  etcd,
  metrics,
];
