/**
 * The HAProxy balancer as a built-in hook (off by default; Docker Glue's `docker-balancer` and
 * `HAProxyHandler`): HAProxy follows the `glue_http_*` / `glue_tcp_*` labels of the running
 * containers. Level-triggered: the hook reacts to no event itself; it subscribes to the container
 * inventory and, once every host has been listed, schedules {@link HaproxyBalancer} updates
 * (debounced by `wait`; server-only changes through the Runtime API, the rest by a checked
 * reload). Each update is reported to the observer as a hook run. In `reactor once` it applies
 * the running containers once.
 *
 * Settings: `hooks: { haproxy: {…} }` (camelCase) or, from a Glue INI's `[params]`, the same names
 * in snake_case ({@link readHaproxySettings}).
 *
 * @module
 */
import { type BuiltinHook, describeSettings, type SettingsContext } from "../lib/config/builtin.ts";
import { formatDuration } from "../lib/util/duration.ts";
import type { Fields } from "../lib/config/fields.ts";
import type { Hook, HookRuntime } from "../lib/engine/hook.ts";
import type { InventorySubscription } from "../lib/engine/inventory.ts";
import type { Observer } from "../lib/engine/observer.ts";
import { ReactorError } from "../lib/errors.ts";
import { exec as defaultExec, type Run } from "../lib/exec/run.ts";
import { type ApplyResult, HaproxyBalancer } from "../lib/haproxy/balancer.ts";
import type { Renderer } from "../lib/haproxy/render.ts";
import { type HaproxySettings, parseHaproxySettings } from "../lib/haproxy/settings.ts";
import type { Log } from "../lib/log.ts";

/** Setting names in `hooks.haproxy` (reactor.yaml / reactor.config.ts). */
export const HAPROXY_KEYS: readonly string[] = [
  "configFile",
  "templateDir",
  "templateFile",
  "render",
  "reload",
  "masterPidFile",
  "statsSocket",
  "network",
  "publishedPorts",
  "bindAddress",
  "wait",
  "healthGated",
];

/** The same settings as Glue INI `[params]` keys (snake_case; no `render`: that is TS only). */
export const HAPROXY_INI_KEYS: readonly string[] = HAPROXY_KEYS
  .filter((k) => k !== "render")
  .map((k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));

/** Longest a `render` function of a TS config may take for one render. */
export const RENDER_TIMEOUT_MS = 30_000;

/** The {@link HaproxyBalancer} failed to apply the containers (`reactor once`). */
export class HaproxyApplyError extends ReactorError {
  constructor(message: string) {
    super(message);
    this.name = "HaproxyApplyError";
  }
}

/**
 * A render function bounded in time: a TS config's function runs in its Worker, and one that
 * never returns must not hold the balancer forever (the render fails; the old config stays).
 */
export function timeLimited(fn: Renderer, ms: number): Renderer {
  return (model) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`it did not return within ${formatDuration(ms)}`)),
        ms,
      );
      Promise.resolve().then(() => fn(model)).then(resolve, reject).finally(() =>
        clearTimeout(timer)
      );
    });
}

/**
 * Validate HAProxy settings read through `f`: camelCase keys (`style: "camel"`, the config
 * files) or snake_case keys (`style: "ini"`, a Glue INI's `[params]`). Problems are reported
 * through `f` at their key; returns undefined when invalid.
 *
 * @example
 * ```ts ignore
 * const s = readHaproxySettings(fields, ctx, { style: "camel", what: "hooks.haproxy" });
 * ```
 */
export function readHaproxySettings(
  f: Fields,
  _ctx: SettingsContext,
  opts: { style: "camel" | "ini"; what: string },
): HaproxySettings | undefined {
  const keys = opts.style === "camel" ? HAPROXY_KEYS : HAPROXY_INI_KEYS;
  const before = f.problems.count;
  f.only(keys, opts.what, "setting");
  const raw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(f.value)) {
    if (!keys.includes(k) || v === undefined || v === null) continue;
    raw[k] = k === "render" && typeof v === "function"
      ? timeLimited(v as Renderer, RENDER_TIMEOUT_MS)
      : v;
  }
  const r = parseHaproxySettings(raw);
  for (const p of r.problems ?? []) f.problems.add([...f.path, ...p.path], p.message);
  if (f.problems.count > before || !r.settings) return undefined;
  return r.settings;
}

/** `key=value …` of the settings for `reactor check`. */
export function describeHaproxy(s: HaproxySettings): string {
  return describeSettings({
    configFile: s.configFile,
    template: s.render
      ? "render function"
      : s.templateFile
      ? `${s.templateDir ? `${s.templateDir}/` : ""}${s.templateFile}`
      : "built-in",
    reload: s.masterPidFile ? `SIGUSR2 to the pid in ${s.masterPidFile}` : s.reload.join(" "),
    statsSocket: s.statsSocket,
    network: s.network,
    publishedPorts: s.publishedPorts || undefined,
    bindAddress: s.bindAddress,
    wait: `${formatDuration(s.wait.minMs)}..${formatDuration(s.wait.maxMs)}`,
    healthGated: s.healthGated,
  });
}

/** Options of {@link haproxyHook}. */
export interface HaproxyHookOptions {
  /** Hook name (default `haproxy`; a Glue INI's is `haproxy:<ini name>`). */
  name?: string;
  /** Rule name in observations (default ""; a Glue INI's name). */
  rule?: string;
  /** The spawn point (default `exec`). */
  exec?: Run;
  /** Longest wait for a new HAProxy worker after a reload (default 15 s). */
  reloadTimeoutMs?: number;
}

/** A hook that keeps one HAProxy in line with the running containers. */
export interface HaproxyHook extends Hook {
  /** The balancer once the hook started (stats, tests). */
  readonly balancer: HaproxyBalancer | undefined;
}

/**
 * Build the HAProxy hook. It handles no event: `start(rt)` subscribes to the inventory and
 * schedules an update after every change, once every host has been listed since the hook
 * started (never an empty view before); `once(rt)` applies the running containers once.
 */
export function haproxyHook(settings: HaproxySettings, opts: HaproxyHookOptions = {}): HaproxyHook {
  const name = opts.name ?? "haproxy";
  const rule = opts.rule ?? "";
  let balancer: HaproxyBalancer | undefined;
  let observer: Observer | undefined;
  let sub: InventorySubscription | undefined;

  const report = (r: ApplyResult) => {
    observer?.emit({
      kind: "hook",
      at: Date.now(),
      hostId: "",
      hook: "haproxy",
      rule,
      outcome: r.action === "failed" ? "failed" : "ok",
      durationMs: r.durationMs ?? 0,
      ...(r.error ? { error: r.error } : {}),
    });
  };
  const make = (log: Log) =>
    balancer ??= new HaproxyBalancer(settings, {
      exec: opts.exec ?? defaultExec,
      log,
      reloadTimeoutMs: opts.reloadTimeoutMs,
      onResult: report,
    });

  return {
    name,
    kind: "haproxy",
    rule,
    get balancer() {
      return balancer;
    },
    // level-triggered: the inventory tells it everything (starts, stops, health, networks)
    wants: () => false,
    handle: () => Promise.resolve(),
    start(rt: HookRuntime): void {
      const b = make(rt.log);
      observer = rt.observer;
      const listed = new Set<string>();
      const changed = () => {
        const hosts = rt.inventory.hostIds();
        for (const id of hosts) if (rt.inventory.synced(id)) listed.add(id);
        // a host that is down later keeps its last known containers; before its first listing
        // nothing is rendered (an empty view would take every server out)
        if (hosts.every((id) => listed.has(id))) b.schedule(rt.inventory.running());
      };
      sub = rt.inventory.subscribe(changed, {
        onError: (err) => rt.log.error(`HAProxy update not scheduled: ${String(err)}`),
      });
      rt.signal.addEventListener("abort", () => sub?.close(), { once: true });
      changed();
    },
    async once(rt: HookRuntime): Promise<void> {
      const r = await make(rt.log).update(rt.inventory.running());
      if (r.action === "failed") {
        throw new HaproxyApplyError(`HAProxy config not applied (${r.stage}): ${r.error}`);
      }
    },
    async close(): Promise<void> {
      sub?.close();
      await balancer?.close();
    },
  };
}

/** The built-in hook descriptor (`hooks: { haproxy: … }`, off by default). */
export const haproxy: BuiltinHook<HaproxySettings> = {
  name: "haproxy",
  defaultOn: false,
  settings: (f, ctx) => readHaproxySettings(f, ctx, { style: "camel", what: "hooks.haproxy" }),
  describe: describeHaproxy,
  create: (s) => [haproxyHook(s)],
};
