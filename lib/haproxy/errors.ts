/**
 * Errors of the HAProxy balancer. Each message is one line naming what failed and how to fix it.
 *
 * @module
 */
import { oneLine, ReactorError } from "../errors.ts";

/** A Runtime API command was refused, or the stats socket could not be used. */
export class RuntimeApiError extends ReactorError {
  /** The command as sent (`add server be_http_80/web_1 10.0.0.5:80 …`). */
  readonly command: string;
  /** HAProxy's answer ("" when the socket failed). */
  readonly reply: string;
  constructor(init: { command: string; socket: string; reply?: string; detail?: string }) {
    const why = init.detail ?? `HAProxy answered: ${oneLine(init.reply ?? "") || "(nothing)"}`;
    super(
      `Cannot run "${init.command}" on the HAProxy Runtime API at ${init.socket}: ${why}`,
    );
    this.name = "RuntimeApiError";
    this.command = init.command;
    this.reply = init.reply ?? "";
  }
}

/** A template (built-in, user file or function) failed to produce a config. */
export class RenderError extends ReactorError {
  constructor(source: string, detail: string, options?: { cause?: unknown }) {
    super(
      `Cannot render the HAProxy config from ${source}: ${oneLine(detail)} — fix the template`,
      options,
    );
    this.name = "RenderError";
  }
}
