/**
 * Docker Glue handler directories as a built-in hook (`glue: { dirs, scriptPaths }`, or
 * `--glue-dir` / `--glue-script-path`): every `DIR/*.ini` is loaded at config load (so
 * `reactor check` reports `file:line` problems and lists each handler), then
 *
 * - `ScriptHandler`s run through the glue dispatch hook with Glue's semantics (`all`, `none`,
 *   `triggers-none`), one event at a time across containers as Glue did: scripts that rebuild
 *   shared state (a bridge, a balancer) never run concurrently. `none` runs once for a host after
 *   each listing of it (at startup and after a reconnect; it also stands for the follow-ups of
 *   the starts that listing synthesized), and once in `reactor once`.
 * - `HAProxyHandler`s become HAProxy hooks (`hooks/haproxy.ts`) with the INI's `[params]` as
 *   their settings; they follow the running containers by themselves (level-triggered), so their
 *   `events` only matter for `triggers-none`.
 * - `distconfig.Publisher`s become etcd publisher hooks (`hooks/etcd.ts`) with the INI's
 *   `[params]` (snake_case: `endpoints`, `prefix`, `ttl`, `key_template`, `tls_ca`, …).
 *
 * @module
 */
import { resolve } from "node:path";
import type { BuiltinHook, SettingsContext } from "../lib/config/builtin.ts";
import { Fields } from "../lib/config/fields.ts";
import { Problems } from "../lib/config/problems.ts";
import type { HandlerContext, Hook, HookRuntime } from "../lib/engine/hook.ts";
import type { InventorySubscription } from "../lib/engine/inventory.ts";
import { errorMessage, oneLine, ReactorError } from "../lib/errors.ts";
import { exec as defaultExec, type Run } from "../lib/exec/run.ts";
import {
  dispatchGlue,
  GLUE_EVENT_TYPE,
  glueAction,
  type GlueDispatchResult,
  type GlueRunner,
  handlersFor,
  noneEvent,
} from "../lib/glue/dispatch.ts";
import { type GlueHandlerSpec, loadGlueDirs, NONE } from "../lib/glue/handlers.ts";
import { glueCheckRows } from "../lib/glue/report.ts";
import { runGlueScript } from "../lib/glue/script_handler.ts";
import type { HaproxySettings } from "../lib/haproxy/settings.ts";
import type { Log } from "../lib/log.ts";
import type { ReactorEvent } from "../lib/reactor.d.ts";
import { describeHaproxy, haproxyHook, readHaproxySettings } from "./haproxy.ts";
import { etcdHook, etcdSettingsFromGlue } from "./etcd.ts";
import type { EtcdSettings } from "../lib/etcd/settings.ts";

/** Validated `glue:` settings with the handlers loaded from the dirs. */
export interface GlueHookSettings {
  /** Absolute glue dirs, in load order. */
  dirs: string[];
  scriptPaths?: string[];
  /** Every valid INI handler (disabled ones included, for `reactor check`). */
  handlers: GlueHandlerSpec[];
  /** Non-fatal load notes (a missing script disables its handler): logged at startup. */
  warnings: string[];
  /** Enabled `HAProxyHandler`s with their settings (from `[params]`). */
  balancers: { handler: GlueHandlerSpec; settings: HaproxySettings }[];
  /** Enabled `distconfig.Publisher`s with their etcd settings (from `[params]`). */
  publishers: { handler: GlueHandlerSpec; settings: EtcdSettings; warnings: string[] }[];
  /** `--insecure-config` was given when loading (scripts others can write are accepted). */
  insecure: boolean;
}

/**
 * No engine timeout for the dispatch hook: each script has its own (60 s, its process group
 * killed), and waiting for the previous events' scripts is not a hang.
 */
const DISPATCH_TIMEOUT_MS = 24 * 3600_000;

/** Some Glue handlers failed for one event (each was logged on its own line). */
export class GlueHandlerError extends ReactorError {
  constructor(message: string) {
    super(message);
    this.name = "GlueHandlerError";
  }
}

function isNone(ev: ReactorEvent): boolean {
  return ev.type === GLUE_EVENT_TYPE && ev.action === NONE;
}

/** What running one Glue handler needs (an event's context, or the runtime for `none`). */
interface RunEnv {
  exec: Run;
  log: Log;
  signal: AbortSignal;
  container?: HandlerContext["container"];
  insecure: boolean;
}

function runner(env: RunEnv): GlueRunner {
  return async (h, ev) => {
    if (h.kind !== "script") {
      // HAProxy (and later etcd) follow the containers by themselves: nothing to run per event
      env.log.debug(`Glue handler ${h.name}: the ${h.kind} hook follows the containers itself`);
      return;
    }
    await runGlueScript(h, {
      event: ev,
      container: isNone(ev) ? undefined : env.container,
      exec: env.exec,
      log: env.log,
      signal: env.signal,
      insecure: env.insecure,
      override: "--insecure-config",
    });
  };
}

/** Log each failure; throw one {@link GlueHandlerError} naming them all. */
function check(r: GlueDispatchResult, log: Log, what: string): void {
  if (!r.failed.length) return;
  for (const f of r.failed) {
    log.error(`Glue handler ${f.handler.file} failed: ${errorMessage(f.error)}`, {
      glue: f.handler.name,
    });
  }
  throw new GlueHandlerError(
    `Cannot run Docker Glue handler(s) for ${what}: ${
      r.failed.map((f) => `${f.handler.name} (${oneLine(errorMessage(f.error))})`).join("; ")
    }`,
  );
}

/** Options of {@link glueHook}. */
export interface GlueHookOptions {
  /** The spawn point for `none` runs outside an event (default `exec`). */
  exec?: Run;
}

/**
 * The glue dispatch hook: container events to the Glue handlers subscribed to them, one event at
 * a time; `none` after each listing of a host (`start`) and in `reactor once` (`once`).
 */
export function glueHook(
  s: Pick<GlueHookSettings, "handlers" | "insecure">,
  opts: GlueHookOptions = {},
): Hook {
  const handlers = s.handlers;
  // one event at a time across containers, as Glue's single loop
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const r = chain.then(fn);
    chain = r.catch(() => {});
    return r;
  };
  const matters = (action: string) =>
    handlersFor(handlers, action).some((h) => h.kind === "script" || h.triggersNone);
  const hasNone = handlersFor(handlers, NONE).length > 0;
  let sub: InventorySubscription | undefined;

  const none = (hostId: string, rt: HookRuntime) =>
    serial(async () => {
      if (rt.signal.aborted) return;
      const r = await dispatchGlue(
        handlers,
        noneEvent(hostId),
        runner({ exec: opts.exec ?? defaultExec, log: rt.log, signal: rt.signal, ...s }),
      );
      check(r, rt.log, `"none" on host ${hostId}`);
    });

  return {
    name: "glue",
    kind: "glue",
    timeoutMs: DISPATCH_TIMEOUT_MS,
    wants(ev: ReactorEvent): boolean {
      const action = glueAction(ev);
      return action !== undefined && matters(action);
    },
    handle(ctx: HandlerContext): Promise<void> {
      return serial(async () => {
        if (ctx.signal.aborted) {
          throw new GlueHandlerError(
            `Cannot run Docker Glue handlers for ${ctx.event.action}: reactor is stopping`,
          );
        }
        // a start a listing synthesized: the none after that listing covers its follow-up
        const r = await dispatchGlue(handlers, ctx.event, runner({ ...ctx, ...s }), {
          noneFollowUp: !ctx.event.synthetic,
        });
        check(r, ctx.log, ctx.event.action);
      });
    },
    start(rt: HookRuntime): void {
      if (!hasNone) return;
      const run = (hostId: string) => {
        const started = performance.now();
        none(hostId, rt).then(
          () => observe(rt, hostId, started),
          (err) => observe(rt, hostId, started, errorMessage(err)),
        );
      };
      sub = rt.inventory.subscribe((changes) => {
        const hosts = new Set(changes.filter((c) => c.reason === "resync").map((c) => c.hostId));
        for (const id of hosts) run(id);
      });
      rt.signal.addEventListener("abort", () => sub?.close(), { once: true });
      // a config reload: the hosts are listed already
      for (const id of rt.inventory.hostIds()) if (rt.inventory.synced(id)) run(id);
    },
    async once(rt: HookRuntime): Promise<void> {
      if (!hasNone) return;
      const failures: string[] = [];
      for (const id of rt.inventory.hostIds()) {
        if (!rt.inventory.synced(id)) continue;
        await none(id, rt).catch((err) => failures.push(errorMessage(err)));
      }
      if (failures.length) throw new GlueHandlerError(failures.join("; "));
    },
    close(): Promise<void> {
      sub?.close();
      return chain.then(() => {});
    },
  };
}

/** Report a `none` run (not tied to an event) as a hook run. */
function observe(rt: HookRuntime, hostId: string, started: number, error?: string): void {
  rt.observer.emit({
    kind: "hook",
    at: Date.now(),
    hostId,
    hook: "glue",
    rule: NONE,
    outcome: error ? "failed" : "ok",
    durationMs: performance.now() - started,
    ...(error ? { error } : {}),
  });
}

/**
 * An `HAProxyHandler`'s `[params]` read as HAProxy settings (snake_case), each problem at its
 * `file:line`.
 */
function iniHaproxy(h: GlueHandlerSpec, ctx: SettingsContext, out: Problems) {
  const p = new Problems((path) => `${h.file}:${h.paramLines[String(path[0])] ?? h.line}`);
  const settings = readHaproxySettings(new Fields(p, [], { ...h.params }), {
    ...ctx,
    file: h.file,
  }, { style: "ini", what: "[params] of an HAProxyHandler" });
  const lineOf = (l: string) => Number(l.slice(h.file.length + 1).split(":")[0]);
  for (const line of [...p.list].sort((a, b) => lineOf(a) - lineOf(b))) out.plain(line);
  return settings;
}

/** The built-in hook descriptor (`glue:` at the top level, or `--glue-dir`; off without dirs). */
export const glue: BuiltinHook<GlueHookSettings> = {
  name: "glue",
  path: ["glue"],
  defaultOn: false,
  flags: [
    {
      flags: "--glue-dir <dir>",
      description: "Docker Glue handler dir (its *.ini files); repeatable, replaces glue.dirs",
      setting: "dirs",
      type: "list",
    },
    {
      flags: "--glue-script-path <dir>",
      description:
        "where Glue ScriptHandler scripts are found (repeatable; default /usr/libexec/docker-glue, then <glue dir>/../handler-scripts)",
      setting: "scriptPaths",
      type: "list",
    },
  ],
  async settings(f, ctx) {
    f.only(["dirs", "scriptPaths"], "glue");
    const before = f.problems.count;
    const dirs = f.strings("dirs", {
      nonEmpty: true,
      required: "add the Docker Glue handler dirs, e.g. dirs: [/etc/docker-glue.d]",
    });
    const scriptPaths = f.strings("scriptPaths", { nonEmpty: true });
    if (f.problems.count > before || !dirs) return undefined;
    const abs = dirs.map((d) => resolve(d));
    const loaded = await loadGlueDirs(abs, {
      scriptPaths: scriptPaths?.map((d) => resolve(d)),
      isRoot: ctx.isRoot,
      insecureConfig: ctx.insecure,
      insecureScripts: ctx.insecure,
    });
    for (const line of loaded.problems) f.problems.plain(line);
    const balancers: GlueHookSettings["balancers"] = [];
    const files = new Map<string, string>();
    for (const h of loaded.handlers) {
      if (h.kind !== "haproxy" || !h.enabled) continue;
      const settings = iniHaproxy(h, ctx, f.problems);
      if (!settings) continue;
      const other = files.get(settings.configFile);
      if (other) {
        f.problems.plain(
          `${h.file}:${h.line}: HAProxyHandler writes ${settings.configFile}, as ${other} does — give each its own config_file, or keep one of them`,
        );
      }
      files.set(settings.configFile, h.file);
      balancers.push({ handler: h, settings });
    }
    const publishers: GlueHookSettings["publishers"] = [];
    for (const h of loaded.handlers) {
      if (h.kind !== "etcd" || !h.enabled) continue;
      const r = etcdSettingsFromGlue(h.params);
      if (!r.ok) {
        for (const p of r.problems) {
          const key = p.path.length ? String(p.path[0]) : "";
          const line = h.paramLines[key] ?? h.line;
          f.problems.plain(`${h.file}:${line}: [params] ${p.path.join(".") || ""}: ${p.message}`);
        }
        continue;
      }
      publishers.push({ handler: h, settings: r.settings, warnings: r.warnings });
    }
    if (f.problems.count > before) return undefined;
    return {
      dirs: abs,
      ...(scriptPaths ? { scriptPaths } : {}),
      handlers: loaded.handlers,
      warnings: loaded.warnings,
      balancers,
      publishers,
      insecure: ctx.insecure,
    };
  },
  describe(s) {
    const on = s.handlers.filter((h) => h.enabled).length;
    return `dirs=${s.dirs.join(",")}${
      s.scriptPaths ? ` scriptPaths=${s.scriptPaths.join(",")}` : ""
    } handlers=${s.handlers.length} (${on} enabled)`;
  },
  rows: (s) =>
    glueCheckRows(s.handlers, {
      detail: (h) => {
        const b = s.balancers.find((x) => x.handler === h);
        return b && describeHaproxy(b.settings);
      },
    }),
  create(s, deps) {
    for (const w of s.warnings) deps.log.warn(w);
    return [
      glueHook({ handlers: s.handlers, insecure: s.insecure || deps.insecure }),
      ...s.balancers.map((b) =>
        haproxyHook(b.settings, { name: `haproxy:${b.handler.name}`, rule: b.handler.name })
      ),
      ...s.publishers.map((p) =>
        etcdHook(p.settings, { name: `etcd:${p.handler.name}`, warnings: p.warnings })
      ),
    ];
  },
};
