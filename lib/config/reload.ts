/**
 * Config reload on SIGHUP and (with `--watch-config`) on file change. A valid new config
 * replaces the hooks through `apply` (the engine's `setHooks`, which swaps between events, so
 * no event is lost); an invalid one is logged and the running hooks stay.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import { ConfigError, errorMessage } from "../errors.ts";
import type { Log } from "../log.ts";

/** Options for {@link ConfigReloader}. */
export interface ReloaderOptions<T extends { hooks: readonly { name: string }[] }> {
  /**
   * Load the config files again and build hooks; throws (ConfigError) when invalid. A TS config
   * that does not finish loading within its time limit is invalid too, so a stuck config never
   * holds up later reloads.
   */
  load: () => Promise<T>;
  /**
   * Install the new hooks: `reactor.setHooks`, which swaps them between events and closes the
   * replaced ones.
   */
  apply: (loaded: T) => void | Promise<void>;
  log: Log;
  /** Quiet time after a file change before reloading (default 200 ms). */
  debounceMs?: number;
}

/** Reloads a config, one reload at a time. */
export class ConfigReloader<
  T extends { hooks: readonly { name: string }[] } = {
    hooks: readonly { name: string }[];
  },
> {
  readonly #opts: ReloaderOptions<T>;
  #chain: Promise<boolean> = Promise.resolve(true);
  #cleanups: (() => void)[] = [];
  /** Number of successful reloads. */
  reloads = 0;
  /** Number of rejected (invalid) configs. */
  failures = 0;

  constructor(opts: ReloaderOptions<T>) {
    this.#opts = opts;
  }

  /** Reload now (after any reload in progress). Resolves true when the new config is live. */
  reload(reason: string): Promise<boolean> {
    this.#chain = this.#chain.then(() => this.#reload(reason));
    return this.#chain;
  }

  async #reload(reason: string): Promise<boolean> {
    const log = this.#opts.log;
    let loaded: T;
    try {
      loaded = await this.#opts.load();
    } catch (err) {
      this.failures++;
      const problems = err instanceof ConfigError ? err.problems : [errorMessage(err)];
      log.error("config reload rejected, keeping the running config", {
        reason,
        problems: problems.join("; "),
      });
      return false;
    }
    try {
      await this.#opts.apply(loaded);
    } catch (err) {
      this.failures++;
      log.error("config reload could not be applied, keeping the running config", {
        reason,
        error: errorMessage(err),
      });
      return false;
    }
    this.reloads++;
    log.info("config reloaded", { reason, hooks: loaded.hooks.map((h) => h.name).join(",") });
    return true;
  }

  /** Reload on SIGHUP until {@link close}. */
  onSighup(): void {
    const handler = () => void this.reload("SIGHUP");
    Deno.addSignalListener("SIGHUP", handler);
    this.#cleanups.push(() => Deno.removeSignalListener("SIGHUP", handler));
  }

  /**
   * Reload when one of `files` changes (`--watch-config`). Watches their directories, so
   * editors that save by renaming a new file into place are seen too.
   */
  watch(files: readonly string[]): void {
    if (!files.length) return;
    const wanted = new Set(files.map((f) => resolve(f)));
    const watcher = Deno.watchFs([...new Set([...wanted].map((f) => dirname(f)))], {
      recursive: false,
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const loop = async () => {
      try {
        for await (const ev of watcher) {
          if (!ev.paths.some((p) => wanted.has(resolve(p)))) continue;
          clearTimeout(timer);
          timer = setTimeout(() => void this.reload("file changed"), this.#opts.debounceMs ?? 200);
        }
      } catch (err) {
        this.#opts.log.warn("config watcher stopped", { error: errorMessage(err) });
      }
    };
    void loop();
    this.#cleanups.push(() => {
      clearTimeout(timer);
      try {
        watcher.close();
      } catch { /* already closed */ }
    });
  }

  /** Stop listening for SIGHUP and file changes; waits for a reload in progress. */
  async close(): Promise<void> {
    for (const c of this.#cleanups.splice(0)) c();
    await this.#chain;
  }
}
