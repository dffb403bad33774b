/**
 * The loaded, validated form of all config files: what `reactor check` prints and what
 * `hooks.ts` turns into engine {@link Hook}s.
 *
 * @module
 */
import type { EventMatcher } from "./match.ts";
import type { Template } from "./template.ts";
import type { EventHandler } from "../reactor.d.ts";
import type { HostConfig } from "../hosts/config.ts";
import type { ConfiguredHook } from "./builtin.ts";
import type { WebhookSettings } from "../webhook/settings.ts";

/** One YAML rule (`events_reactor.<name>`). */
export interface RuleSpec {
  readonly kind: "rule";
  readonly name: string;
  /** `file:line:col` of the rule's key. */
  readonly origin: string;
  readonly match: EventMatcher;
  /** The argv to run ([] when the rule only sends a webhook). */
  readonly run: readonly Template[];
  /** The HTTP request to send (secrets inside: log `webhook.target`, never the URL). */
  readonly webhook?: WebhookSettings;
  /** Things that work but deserve a log line when the rule starts (plain http:// …). */
  readonly warnings: readonly string[];
  readonly env: readonly (readonly [string, Template])[];
  readonly cwd?: string;
  /** Network whose IP `%%ip%%` gives. */
  readonly network?: string;
  /** Only events from these host ids (undefined: all). */
  readonly hosts?: readonly string[];
  /** Per-attempt time limit. */
  readonly timeoutMs?: number;
  /** Extra attempts after a failure. */
  readonly retries: number;
  /** Wait before the first retry; doubled for each further one (capped at 5 minutes). */
  readonly backoffMs: number;
  /** Skip repeats for the same container within this window (leading edge). */
  readonly debounceMs?: number;
}

/** Handler keys of a TS config. */
export type HandlerKey =
  | "onCreate"
  | "onStart"
  | "onStop"
  | "onDie"
  | "onDestroy"
  | "onHealthy"
  | "onUnhealthy"
  | "onEvent"
  | "on";

/** One TS handler (`onStart`, `on[2]`, …). */
export interface HandlerSpec {
  readonly kind: "handler";
  readonly name: string;
  /** `file: onStart` / `file: on[2]`. */
  readonly origin: string;
  readonly key: HandlerKey;
  readonly match: EventMatcher;
  /** Lifecycle handlers only run for container events and always get a container. */
  readonly needsContainer: boolean;
  readonly hosts?: readonly string[];
  readonly timeoutMs?: number;
  /** The function (absent when the handler only sends a webhook). */
  readonly run?: EventHandler;
  /** The HTTP request to send (secrets inside: log `webhook.target`, never the URL). */
  readonly webhook?: WebhookSettings;
  /** Things that work but deserve a log line when the handler starts. */
  readonly warnings?: readonly string[];
}

/** Everything loaded from the config files (and the flags and environment that refine them). */
export interface LoadedConfig {
  /** Absolute paths, in load order ([] = embedded default). */
  readonly files: readonly string[];
  readonly rules: readonly RuleSpec[];
  readonly handlers: readonly HandlerSpec[];
  /** Validated settings of each built-in hook by name (`false` = off). */
  readonly builtins: Readonly<Record<string, unknown>>;
  /** The built-in hooks in run order, as configured. */
  readonly hooks: readonly ConfiguredHook[];
  /** The raw `docker:` section and its file (to notice changes on reload). */
  readonly docker?: { readonly value: unknown; readonly file: string };
  /** The Docker hosts, validated (with `-H`, `DOCKER_HOST`, contexts and env overrides). */
  readonly hosts: readonly HostConfig[];
}

/** What one file contributes. */
export interface ConfigPart {
  rules: RuleSpec[];
  handlers: HandlerSpec[];
  /** Raw settings of the built-in hooks this file sets, by hook name. */
  hooks: Record<string, unknown>;
  docker?: unknown;
}
