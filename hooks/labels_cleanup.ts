/**
 * Removing the host routes the labels hook added for a container: on its `die`/`stop`/`destroy`,
 * and once per host for containers that stopped while reactor was away (a "sweep" over the
 * record in the state dir). A route another running container also asked for stays.
 *
 * @module
 */
import type { HandlerContext } from "../lib/engine/hook.ts";
import { DockerApiError, errorMessage } from "../lib/errors.ts";
import { shellQuote } from "../lib/exec/shell_quote.ts";
import { ensureIp } from "../lib/net/idempotent.ts";
import { ip } from "../lib/net/ip.ts";
import type { HostRoutesStore } from "../lib/net/host_routes_store.ts";
import type { LabelStats } from "./labels.ts";

/** What the cleanup needs from the labels hook. */
export interface CleanupOptions {
  store: HostRoutesStore;
  stats: LabelStats;
  /** The host-route label's full name (for logs). */
  label: string;
  ipTimeoutMs: number;
  /** One line for a failed `ip`. */
  describe: (err: unknown) => string;
}

/** Removes recorded host routes. */
export class HostRouteCleanup {
  readonly #o: CleanupOptions;
  readonly #swept = new Map<string, Promise<void>>();

  constructor(opts: CleanupOptions) {
    this.#o = opts;
  }

  /** Remove the container's recorded host routes; returns how many could not be removed. */
  async remove(
    hostId: string,
    containerId: string,
    name: string,
    ctx: Pick<HandlerContext, "exec" | "log">,
  ): Promise<number> {
    const { store, stats } = this.#o;
    const routes = await store.routesOf(hostId, containerId);
    let failed = 0;
    for (const r of routes) {
      if (await store.sharedWithOthers(hostId, containerId, r)) {
        await store.forget(hostId, containerId, r);
        continue;
      }
      const cmd = ip.raw("route", r.del);
      try {
        const res = await ensureIp(cmd, { exec: ctx.exec, timeoutMs: this.#o.ipTimeoutMs });
        await store.forget(hostId, containerId, r);
        stats.removed++;
        ctx.log.info(
          res.outcome === "absent"
            ? `Host route already gone: ${shellQuote(cmd.argv)}`
            : `Host route removed: ${shellQuote(cmd.argv)}`,
          { container: name, route: r.del.slice(1).join(" ") },
        );
      } catch (err) {
        failed++;
        stats.failed++;
        ctx.log.error(`Cannot remove host route: ${this.#o.describe(err)}`, {
          container: name,
          label: this.#o.label,
          cmd: shellQuote(cmd.argv),
        });
      }
    }
    return failed;
  }

  /** Once per host: remove routes of containers that stopped while reactor was not watching. */
  sweep(ctx: HandlerContext): Promise<void> {
    let p = this.#swept.get(ctx.host.id);
    if (!p) {
      p = this.#sweep(ctx).catch((err) => {
        ctx.log.warn(`Stale host-route sweep failed: ${errorMessage(err)}`);
      });
      this.#swept.set(ctx.host.id, p);
    }
    return p;
  }

  async #sweep(ctx: HandlerContext): Promise<void> {
    for (const e of await this.#o.store.entries()) {
      if (e.hostId !== ctx.host.id) continue;
      let running = false;
      try {
        running = (await ctx.host.docker.inspect(e.containerId, ctx.signal)).running;
      } catch (err) {
        if (!(err instanceof DockerApiError && err.isGone)) {
          ctx.log.warn(`Cannot check container for stale host routes: ${errorMessage(err)}`, {
            container: e.name,
          });
          continue;
        }
      }
      if (!running) {
        ctx.log.info("Removing host routes of a container that stopped while reactor was away", {
          container: e.name,
        });
        await this.remove(e.hostId, e.containerId, e.name, ctx);
      }
    }
  }
}
