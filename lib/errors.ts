/**
 * Typed errors. Every message is one actionable line: what failed, the detail after a colon,
 * and where possible how to fix it. Only `main.ts` turns them into exit codes.
 *
 * @module
 */

import { shellQuote } from "./exec/shell_quote.ts";

/** Base class: `exitCode` is what `main.ts` exits with when this error reaches it. */
export class ReactorError extends Error {
  /** Process exit code used by `main.ts`. */
  readonly exitCode: number;
  constructor(message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ReactorError";
    this.exitCode = options?.exitCode ?? 1;
  }
}

/** Wrong user input: flags, config files, labels. Exits 2. */
export class UsageError extends ReactorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...options, exitCode: 2 });
    this.name = "UsageError";
  }
}

/** A config file that cannot be loaded or validated. Exits 2. */
export class ConfigError extends ReactorError {
  /** Individual problems, each one line (`file:line:col: what — fix`). */
  readonly problems: readonly string[];
  constructor(problems: readonly string[], options?: { cause?: unknown }) {
    super(problems.join("\n"), { ...options, exitCode: 2 });
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** The Engine API answered with an error status (`{message}` body). */
export class DockerApiError extends ReactorError {
  readonly status: number;
  readonly method: string;
  readonly path: string;
  constructor(
    init: { status: number; method: string; path: string; message: string; host?: string },
  ) {
    const where = init.host ? ` on host "${init.host}"` : "";
    super(
      `Docker API ${init.method} ${init.path}${where} failed with HTTP ${init.status}: ${init.message}`,
    );
    this.name = "DockerApiError";
    this.status = init.status;
    this.method = init.method;
    this.path = init.path;
  }
  /** True for 404 (no such container/exec) and 409 (not running): "the container is gone". */
  get isGone(): boolean {
    return this.status === 404 || this.status === 409;
  }
}

/** The Engine could not be reached at all (socket missing, refused, TLS failure, …). */
export class DockerConnectError extends ReactorError {
  readonly endpoint: string;
  constructor(endpoint: string, detail: string, options?: { cause?: unknown }) {
    super(`Cannot connect to Docker at ${endpoint}: ${detail}`, options);
    this.name = "DockerConnectError";
    this.endpoint = endpoint;
  }
}

/** An Engine answer that does not have the shape we rely on. */
export class DockerProtocolError extends ReactorError {
  constructor(message: string) {
    super(message);
    this.name = "DockerProtocolError";
  }
}

/** A spawned program failed (non-zero exit, timeout, or not found). */
export class CommandError extends ReactorError {
  readonly argv: readonly string[];
  readonly code: number | null;
  readonly stderr: string;
  readonly stdout: string;
  readonly reason: "exit" | "timeout" | "not-found" | "aborted" | "spawn";
  constructor(
    init: {
      argv: readonly string[];
      code: number | null;
      stderr: string;
      stdout?: string;
      reason: CommandError["reason"];
      detail?: string;
    },
  ) {
    const cmd = `\`${shellQuote(init.argv)}\``;
    const tail = oneLine(init.stderr || init.stdout || "");
    let msg: string;
    switch (init.reason) {
      case "timeout":
        msg = `Command ${cmd} timed out${init.detail ? ` after ${init.detail}` : ""}`;
        break;
      case "not-found":
        msg = `Command ${cmd} failed: program "${init.argv[0]}" not found on PATH`;
        break;
      case "aborted":
        msg = `Command ${cmd} was aborted`;
        break;
      case "spawn":
        msg = `Command ${cmd} could not be started: ${init.detail ?? "unknown error"}`;
        break;
      default:
        msg = `Command ${cmd} exited with code ${init.code}${tail ? `: ${tail}` : ""}`;
    }
    super(msg);
    this.name = "CommandError";
    this.argv = init.argv;
    this.code = init.code;
    this.stderr = init.stderr;
    this.stdout = init.stdout ?? "";
    this.reason = init.reason;
  }
}

/** A handler exceeded its time budget. */
export class TimeoutError extends ReactorError {
  constructor(message: string) {
    super(message);
    this.name = "TimeoutError";
  }
}

/** Collapse multi-line program output into one line, keeping the last 400 characters. */
export function oneLine(text: string): string {
  const s = text.trim().split(/\r?\n/).map((l) => l.trim()).filter(Boolean).join(" | ");
  return s.length > 400 ? `…${s.slice(-400)}` : s;
}

/** Best-effort one-line description of any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof ReactorError) return err.message; // already complete, one line
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : "";
    return `${err.message}${cause && !err.message.includes(cause.slice(2)) ? cause : ""}`;
  }
  return String(err);
}
