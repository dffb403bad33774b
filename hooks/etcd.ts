/**
 * The etcd v3 publisher as a built-in hook (`hooks: { etcd: { endpoints, prefix, ttl,
 * keyTemplate, tls, username, password } }`, off by default), and as Docker Glue's
 * `DockerGlue.handlers.publishers.distconfig.Publisher` ({@link etcdSettingsFromGlue} +
 * {@link etcdHook}).
 *
 * Level-triggered: it reacts to no single event. When the engine starts it, it starts an
 * {@link EtcdPublisher} (one lease, kept alive) and follows the container inventory: every time a
 * host's view changes (a start, stop, destroy, rename, health change, or a resync after a
 * (re)connect) and that host has been listed since its last connect, the host's running
 * containers are handed to the publisher, which makes etcd match in the background. Each publish
 * is reported to the observer as a run of hook `etcd` (ok, timeout, failed), so it shows in
 * `reactor_hook_runs_total`. `close()` (shutdown) revokes the lease, which removes every key at
 * once; a reload with the same settings keeps the publisher and its lease.
 *
 * @module
 */
import type { BuiltinHook } from "../lib/config/builtin.ts";
import type { Fields } from "../lib/config/fields.ts";
import type { Hook, HookRuntime } from "../lib/engine/hook.ts";
import { Handover } from "../lib/engine/handover.ts";
import { errorMessage } from "../lib/errors.ts";
import { EtcdPublisher, type PublisherDeps } from "../lib/etcd/publisher.ts";
import {
  type EtcdSettings,
  type EtcdSettingsResult,
  parseEtcdSettings,
} from "../lib/etcd/settings.ts";

/** Validated settings plus the warnings to log when the hook starts. */
export interface EtcdHookSettings {
  settings: EtcdSettings;
  warnings: string[];
}

/** Options of {@link etcdHook}. */
export interface EtcdHookOptions {
  /** Hook name in logs and metrics (default `etcd`; a Glue INI handler may pass its own). */
  name?: string;
  /** Logged once when the hook starts (from {@link parseEtcdSettings}). */
  warnings?: readonly string[];
  /** How long a publish may take before it is reported as a timeout (default 30 s). */
  reportAfterMs?: number;
  /** Reconnect backoff of the publisher (tests). */
  backoff?: PublisherDeps["backoff"];
  /** Test seam: the etcd client (default: a real one from the settings). */
  openClient?: PublisherDeps["openClient"];
}

/** Inventory changes are batched this long (min..max ms) before a publish. */
const DEBOUNCE = { minMs: 25, maxMs: 250 };

const PUBLISHERS = new Handover<EtcdPublisher>();

function settingsKey(s: EtcdSettings): string {
  // in memory only (it holds the password); never logged
  return JSON.stringify({ ...s, keyTemplate: s.keyTemplate.source });
}

/** Build the hook from validated settings (also what the Glue INI wiring calls). */
export function etcdHook(settings: EtcdSettings, opts: EtcdHookOptions = {}): Hook {
  const name = opts.name ?? "etcd";
  const reportAfterMs = opts.reportAfterMs ?? 30_000;
  const self = {};
  let scope: object | undefined;
  let unsubscribe: (() => void) | undefined;
  let closing: Promise<void> | undefined;

  const close = (): Promise<void> => {
    closing ??= (async () => {
      unsubscribe?.();
      if (!scope) return;
      await Promise.all(PUBLISHERS.release(scope, self).map((p) => p.close()));
    })();
    return closing;
  };

  const report = (rt: HookRuntime, publisher: EtcdPublisher) => {
    const t0 = performance.now();
    const emit = (outcome: "ok" | "failed" | "timeout", error?: string) =>
      rt.observer.emit({
        kind: "hook",
        at: Date.now(),
        hostId: "",
        hook: name,
        rule: "",
        outcome,
        durationMs: performance.now() - t0,
        ...(error ? { error } : {}),
      });
    const timer = AbortSignal.timeout(reportAfterMs);
    publisher.settled(AbortSignal.any([rt.signal, timer])).then(
      () => emit("ok"),
      (err) => {
        if (rt.signal.aborted || closing) return;
        const st = publisher.status();
        if (st.state === "down") emit("failed", st.lastError ?? errorMessage(err));
        else emit("timeout", `etcd did not match within ${reportAfterMs} ms`);
      },
    );
  };

  return {
    name,
    kind: name,
    rule: "",
    wants: () => false,
    handle: () => Promise.resolve(),
    start(rt: HookRuntime): void {
      scope = rt.inventory;
      for (const w of opts.warnings ?? []) rt.log.warn(w);
      const inv = rt.inventory;
      // Claimed synchronously: a reload starts this hook before it closes the one it replaces.
      const { value: publisher, created } = PUBLISHERS.claim(
        scope,
        settingsKey(settings),
        self,
        () =>
          new EtcdPublisher(settings, {
            log: rt.log,
            hostInfo: (hostId) => ({
              hostId,
              engineName: rt.engine.hosts().find((h) => h.id === hostId)?.engineName ?? hostId,
            }),
            backoff: opts.backoff,
            openClient: opts.openClient,
          }),
      );
      if (created) publisher.start();
      rt.signal.addEventListener("abort", () => void close(), { once: true });

      // Publish a host only once it has been listed since its last (re)connect: before that
      // its view may be empty or stale, and publishing it would delete live records.
      const publish = (hostIds: Iterable<string>): void => {
        let any = false;
        for (const id of hostIds) {
          if (!inv.synced(id)) continue;
          publisher.sync(id, inv.running(id));
          any = true;
        }
        if (any) report(rt, publisher);
      };
      publish(inv.hostIds());
      const sub = inv.subscribe((changes) => publish(new Set(changes.map((c) => c.hostId))), {
        ...DEBOUNCE,
        onError: (err) => rt.log.warn(`etcd publish failed: ${errorMessage(err)}`),
      });
      unsubscribe = () => sub.close();
    },
    close,
  };
}

/**
 * Validate a Docker Glue INI `[params]` section (`endpoints` comma-separated, `prefix`, `ttl`,
 * `key_template`, `tls_ca`, `tls_cert`, `tls_key`, `username`, `password`; Glue's own
 * python-etcd `class`/`clientParams` get advice). Problems name the INI key.
 *
 * @example
 * ```ts
 * import { etcdHook, etcdSettingsFromGlue } from "./etcd.ts";
 * const r = etcdSettingsFromGlue({ endpoints: "http://127.0.0.1:2379", ttl: "10" });
 * if (r.ok) etcdHook(r.settings, { name: "glue:publisher", warnings: r.warnings });
 * ```
 */
export function etcdSettingsFromGlue(params: Readonly<Record<string, string>>): EtcdSettingsResult {
  return parseEtcdSettings(params, { format: "ini" });
}

/** Report unreadable TLS files at their field (the publisher reads them when it connects). */
async function checkTlsFiles(f: Fields, s: EtcdSettings): Promise<void> {
  for (const [k, path] of Object.entries(s.tls ?? {})) {
    try {
      const st = await Deno.stat(path);
      if (!st.isFile) {
        f.problems.add([...f.path, "tls", k], `${path} is not a file — give a PEM file`);
      }
    } catch (err) {
      const why = err instanceof Deno.errors.NotFound ? "no such file" : errorMessage(err);
      f.problems.add(
        [...f.path, "tls", k],
        `cannot read ${path}: ${why} — give the path of a PEM file`,
      );
    }
  }
}

/** One line for `reactor check` (never the password). */
export function describeEtcd(s: EtcdSettings): string {
  return [
    `endpoints=${s.endpoints.join(",")}`,
    `prefix=${s.prefix}`,
    `ttl=${s.ttlSeconds}s`,
    `keyTemplate=${s.keyTemplate.source}`,
    s.tls ? `tls=${Object.keys(s.tls).join(",")}` : "",
    s.username !== undefined ? `username=${s.username}` : "",
    s.password !== undefined ? "password=(set)" : "",
  ].filter(Boolean).join(" ");
}

/** The built-in hook descriptor (`hooks: { etcd: … }`). */
export const etcd: BuiltinHook<EtcdHookSettings> = {
  name: "etcd",
  defaultOn: false,
  async settings(f) {
    const r = parseEtcdSettings(f.value);
    if (!r.ok) {
      for (const p of r.problems) f.problems.add([...f.path, ...p.path], p.message);
      return undefined;
    }
    const before = f.problems.count;
    await checkTlsFiles(f, r.settings);
    if (f.problems.count > before) return undefined;
    return { settings: r.settings, warnings: r.warnings };
  },
  describe: (s) => describeEtcd(s.settings),
  create: (s) => [etcdHook(s.settings, { warnings: s.warnings })],
};
