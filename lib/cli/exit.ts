/**
 * How commands report their exit status without exiting (only `main.ts` exits).
 *
 * @module
 */

/** Mutable exit status a command sets; `main.ts` exits with it. */
export interface ExitStatus {
  code: number;
  /** The command that ran (for the "See 'reactor <command> --help'." hint). */
  command?: string;
}

/** A fresh status (0). */
export function exitStatus(): ExitStatus {
  return { code: 0 };
}
