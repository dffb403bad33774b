/**
 * Load one `reactor.config.ts` by absolute `file://` URL.
 *
 * Reload: ES modules cannot be un-imported, so every load adds a cache-busting query
 * (`?v=<n>`); the new module instance is a fresh evaluation. The cost is that each reload keeps
 * the old module in memory (a few KB per reload; reloads are rare and explicit). Modules the config
 * imports itself by relative path are not re-evaluated (they have no query) — keep a config in
 * one file, or restart reactor after changing its imports. A Worker would avoid the leak but
 * handlers need the engine's live context (Docker clients, exec, abort signals) on the main
 * thread, which cannot cross a worker boundary.
 *
 * @module
 */
import { pathToFileURL } from "node:url";
import type { ConfigPart } from "./model.ts";
import { validateTs } from "./validate.ts";

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

/** Import, call (if the default export is a function) and validate a TS config. */
export async function loadTsFile(
  absPath: string,
): Promise<{ part: ConfigPart; problems: string[]; error?: unknown }> {
  const url = `${pathToFileURL(absPath).href}?v=${++generation}`;
  let mod: Record<string, unknown>;
  try {
    mod = await import(url);
  } catch (err) {
    return {
      part: { rules: [], handlers: [], builtins: {} },
      problems: [describeImportError(err, absPath)],
      error: err,
    };
  }
  if (!("default" in mod)) {
    return {
      part: { rules: [], handlers: [], builtins: {} },
      problems: [
        `${absPath}: has no default export — add \`export default { … } satisfies Config\``,
      ],
    };
  }
  let value = mod["default"];
  if (typeof value === "function") {
    try {
      value = await (value as () => unknown)();
    } catch (err) {
      return {
        part: { rules: [], handlers: [], builtins: {} },
        error: err,
        problems: [
          `${absPath}: the default-exported config function threw: ${
            (err instanceof Error ? err.message : String(err)).split("\n")[0]
          } — fix the function or export a plain object`,
        ],
      };
    }
  }
  return validateTs(value, absPath);
}
