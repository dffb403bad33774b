/**
 * `reactor status`, the client side: ask the daemon over its socket in the state directory.
 * Exit codes follow the LSB/systemd convention for status: 0 running, 1 a daemon holds the state
 * directory but does not answer, 3 not running, 4 cannot tell (permission denied).
 *
 * @module
 */
import { errorMessage, ReactorError } from "../errors.ts";
import { lockHolder, lockPath } from "../daemon/state_lock.ts";
import { type DaemonStatus, parseStatus } from "./model.ts";
import { statusSocketPath } from "./server.ts";

/** No daemon runs on this state directory. Exits 3. */
export class DaemonNotRunningError extends ReactorError {
  constructor(message: string) {
    super(message, { exitCode: 3 });
    this.name = "DaemonNotRunningError";
  }
}

/** The status cannot be read by this user. Exits 4. */
export class StatusPermissionError extends ReactorError {
  constructor(message: string) {
    super(message, { exitCode: 4 });
    this.name = "StatusPermissionError";
  }
}

function denied(err: unknown): boolean {
  return err instanceof Deno.errors.PermissionDenied ||
    /permission denied|os error 13/i.test(errorMessage(err));
}

/** Ask the daemon of `stateDir` for its status. Throws the errors above (or ReactorError, 1). */
export async function fetchStatus(
  stateDir: string,
  opts: { timeoutMs?: number } = {},
): Promise<DaemonStatus> {
  const path = statusSocketPath(stateDir);
  const notRunning = () =>
    new DaemonNotRunningError(
      `Not running: no reactor daemon holds ${
        lockPath(stateDir)
      } — start it with \`reactor run\` (or systemctl start reactor), or pass the daemon's --state-dir`,
    );
  try {
    await Deno.stat(path);
  } catch (err) {
    if (denied(err)) {
      throw new StatusPermissionError(
        `Cannot read reactor status from ${path}: permission denied — run as root`,
      );
    }
    const holder = await lockHolder(stateDir).catch(() => undefined);
    if (!holder) throw notRunning();
    throw new ReactorError(
      `reactor ${
        holder.pid ? `(PID ${holder.pid}) ` : ""
      }holds ${stateDir} but serves no status socket at ${path} — is it an older version?`,
    );
  }
  const client = Deno.createHttpClient({ proxy: { transport: "unix", path } });
  try {
    const res = await fetch("http://reactor/status", {
      client,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    if (!res.ok) {
      throw new ReactorError(
        `reactor status: the daemon answered HTTP ${res.status}: ${text.trim()}`,
      );
    }
    try {
      return parseStatus(JSON.parse(text));
    } catch (err) {
      throw new ReactorError(
        `reactor status: the daemon's answer is not a status: ${errorMessage(err)}`,
      );
    }
  } catch (err) {
    if (err instanceof ReactorError) throw err;
    if (denied(err)) {
      throw new StatusPermissionError(
        `Cannot read reactor status from ${path}: permission denied — run as root`,
      );
    }
    const holder = await lockHolder(stateDir).catch(() => undefined);
    if (!holder) throw notRunning(); // a socket left by a daemon that was killed
    throw new ReactorError(
      `reactor ${holder.pid ? `(PID ${holder.pid}) ` : ""}does not answer on ${path}: ${
        errorMessage(err)
      }`,
    );
  } finally {
    client.close();
  }
}
