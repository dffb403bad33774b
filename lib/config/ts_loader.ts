/**
 * Load one `reactor.config.ts` by absolute `file://` URL, in a Worker of its own
 * (`ts_runtime.ts`): loading is time-limited, the module and everything it imports are evaluated
 * afresh on every (re)load, and an old config's memory goes with its Worker.
 *
 * @module
 */
import { pathToFileURL } from "node:url";
import { formatDuration } from "../util/duration.ts";
import { fromWireError } from "./ts_protocol.ts";
import { DEFAULT_LOAD_TIMEOUT_MS, TsConfigRuntime, TsLoadError } from "./ts_runtime.ts";

let generation = 0;

/** Turn an import/evaluation failure into one `file:line:col: …` line. */
export function describeImportError(err: unknown, file: string): string {
  const msg = err instanceof Error ? err.message : String(err);
  const first = msg.split("\n")[0]!.trim();
  const at = /at (file:\/\/[^\s]+?):(\d+):(\d+)/.exec(msg);
  if (/SyntaxError|Expected|expected/.test(first) && at) {
    return `${file}:${at[2]}:${at[3]}: ${
      first.replace(/^SyntaxError: /, "syntax error: ")
    } — fix the TypeScript syntax there`;
  }
  if (
    /^Module not found/.test(first) || /Relative import path|Import .* not a dependency/.test(first)
  ) {
    return `${file}: cannot load an import: ${first} — a config may only \`import type\` from reactor; other imports must be local files that exist`;
  }
  if (err instanceof Error && !(err instanceof TypeError && /SyntaxError/.test(msg))) {
    return `${file}: the config threw while loading: ${first} — fix the code that runs at import time`;
  }
  return `${file}: cannot load: ${first}`;
}

/** A loaded TS config: its value (functions run in its Worker) and the runtime to close. */
export interface TsFile {
  /** Undefined when loading failed (the problem is in `problems`). */
  readonly value?: unknown;
  readonly runtime?: TsConfigRuntime;
  readonly problems: string[];
  /** The error the config threw (its stack is shown with --verbose). */
  readonly error?: unknown;
}

/** Import the config in a Worker (time-limited), call a default-exported factory. */
export async function loadTsFile(
  absPath: string,
  opts: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<TsFile> {
  const url = `${pathToFileURL(absPath).href}?v=${++generation}`;
  try {
    const { runtime, value } = await TsConfigRuntime.load(url, opts);
    return { value, runtime, problems: [] };
  } catch (err) {
    if (!(err instanceof TsLoadError)) throw err;
    const first = (err.wire?.message ?? "").split("\n")[0];
    const error = err.wire ? fromWireError(err.wire) : err;
    switch (err.stage) {
      case "timeout":
        return {
          problems: [
            `${absPath}: the config did not finish loading within ${
              formatDuration(opts.timeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS)
            } (an endless loop, or a promise that never settles, at top level or in its default export) — fix the code that runs at load time, or raise --config-timeout`,
          ],
        };
      case "no-default":
        return {
          problems: [
            `${absPath}: has no default export — add \`export default { … } satisfies Config\``,
          ],
        };
      case "factory":
        return {
          error,
          problems: [
            `${absPath}: the default-exported config function threw: ${first} — fix the function or export a plain object`,
          ],
        };
      case "value":
        return {
          error,
          problems: [
            `${absPath}: the config value cannot be used: ${first} — export plain data and functions`,
          ],
        };
      default:
        return { error, problems: [describeImportError(error, absPath)] };
    }
  }
}
