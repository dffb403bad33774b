/**
 * The daemon side of `reactor status`: count hook failures from the engine's observer and serve
 * the status on `<state-dir>/reactor.sock`. A socket that cannot be bound costs only the status
 * (a warning), never the daemon.
 *
 * @module
 */
import { errorMessage } from "../errors.ts";
import type { Log } from "../log.ts";
import type { Reactor } from "../engine/reactor.ts";
import { FailureWindow } from "../status/failures.ts";
import { buildStatus, type ConfigReport } from "../status/model.ts";
import {
  serveStatus,
  statusHandler,
  type StatusServer,
  statusSocketPath,
} from "../status/server.ts";
import { VERSION } from "../version.ts";

/** Start counting and serving; returns the server (undefined when it could not bind). */
export async function startDaemonStatus(
  g: { stateDir: string; log: Log },
  reactor: Pick<Reactor, "observer" | "hostStatus" | "pending">,
  config: () => ConfigReport,
): Promise<StatusServer | undefined> {
  const failures = new FailureWindow();
  const detach = failures.attach(reactor.observer);
  const startedAt = Date.now();
  const engine = {
    hostStatus: () => reactor.hostStatus(),
    get pending() {
      return reactor.pending;
    },
  };
  const handler = statusHandler(() =>
    buildStatus({
      version: VERSION,
      pid: Deno.pid,
      startedAt,
      stateDir: g.stateDir,
      engine,
      failures,
      config,
    })
  );
  try {
    const server = await serveStatus({ path: statusSocketPath(g.stateDir), handler, log: g.log });
    g.log.debug("Serving reactor status", { socket: server.path });
    return {
      path: server.path,
      close: async () => {
        detach();
        await server.close();
      },
    };
  } catch (err) {
    detach();
    g.log.warn(`reactor status will not answer: ${errorMessage(err)}`);
    return undefined;
  }
}
