/**
 * The contract of a built-in hook (label networking, scripts, HAProxy, …): one descriptor per
 * `hooks/<name>.ts`, listed in `hooks/mod.ts`. Config validation, the `reactor check` table,
 * `simulate`, the CLI flags and the daemon factory all iterate that list, so adding a hook is
 * one file plus one line.
 *
 * @module
 */
import type { Hook } from "../engine/hook.ts";
import type { Log } from "../log.ts";
import type { WebhookDispatcher } from "../webhook/queue.ts";
import type { Fields } from "./fields.ts";
import type { FieldPath } from "./problems.ts";

/** A CLI flag that sets one setting of a hook (the flag wins over the config file). */
export interface HookFlag {
  /** Commander syntax: `--label-prefix <prefix>`, `--insecure-scripts`, `--glue-dir <dir>`. */
  readonly flags: string;
  readonly description: string;
  /** The setting it sets. */
  readonly setting: string;
  /** `list`: the flag is repeatable and gives a list of strings. */
  readonly type?: "string" | "boolean" | "list";
}

/** What validating settings may need besides the values. */
export interface SettingsContext {
  /** reactor runs as root (ownership checks apply). */
  readonly isRoot: boolean;
  /** `--insecure-config`: ownership checks are skipped. */
  readonly insecure: boolean;
  /** The config file the settings came from, if any (relative paths resolve from it). */
  readonly file?: string;
}

/** What a hook gets when the daemon builds it. */
export interface HookDeps {
  /** reactor's state directory (hooks keep their files under `<stateDir>/<name>/`). */
  readonly stateDir: string;
  readonly log: Log;
  /** `--insecure-config` (or a hook's own insecure flag): skip ownership checks. */
  readonly insecure: boolean;
  /**
   * The daemon's one webhook dispatcher (rules with `webhook:` enqueue here; the metrics hook
   * reads its queue depth). Absent outside the daemon: rules then make their own.
   */
  readonly webhooks?: WebhookDispatcher;
}

/** A built-in hook: its settings, flags and factory. `S` is the validated settings type. */
export interface BuiltinHook<S = unknown> {
  /** Key under `hooks:` and the name in logs and `reactor check`. */
  readonly name: string;
  /** Where its settings live in a config file (default `["hooks", name]`). */
  readonly path?: FieldPath;
  /** On when no config mentions it (the embedded default's hooks are). */
  readonly defaultOn: boolean;
  /** Flags of `run`/`once`/`check`/`simulate` that set its settings. */
  readonly flags?: readonly HookFlag[];
  /**
   * Validate the settings map (only the keys given; `{}` means defaults). Problems are reported
   * through `f` at their field; return undefined when invalid.
   */
  settings(f: Fields, ctx: SettingsContext): S | undefined | Promise<S | undefined>;
  /** One line for `reactor check` (the settings that differ from the defaults). */
  describe(settings: S): string;
  /**
   * Optional: more `reactor check` rows under the hook's own, as `[kind, name, source, match,
   * action]` (e.g. one per Docker Glue INI handler).
   */
  rows?(settings: S): string[][];
  /** Build the engine hooks (usually one). */
  create(settings: S, deps: HookDeps): Hook[];
}

/** Where a hook's settings live. */
export function settingsPath(hook: BuiltinHook): FieldPath {
  return hook.path ?? ["hooks", hook.name];
}

/** A hook as configured: on with its settings, or off. */
export interface ConfiguredHook {
  readonly hook: BuiltinHook;
  /** false: turned off (by the config, or off by default and not configured). */
  readonly settings: unknown | false;
  /** The file that set it (`built-in` when only defaults or flags apply). */
  readonly source: string;
}

/** `key=value …` of the settings given, or `on (defaults)` (the check table's usual line). */
export function describeSettings(settings: object): string {
  return Object.entries(settings)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(",") : String(v)}`)
    .join(" ") || "on (defaults)";
}

/** The option attribute commander gives a flag (`--label-prefix <p>` → `labelPrefix`). */
export function flagAttribute(flag: HookFlag): string {
  const long = flag.flags.split(/[ ,]+/).find((w) => w.startsWith("--")) ?? flag.flags;
  return long.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
