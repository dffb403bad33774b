/**
 * Where a Glue `ScriptHandler`'s `[params] script=` is found: an absolute path as written, or
 * the first executable file of that name in the script paths (Glue's `resolve_script`).
 *
 * @module
 */
import { dirname, isAbsolute, join, resolve } from "node:path";

/** Glue's system-wide script directory, searched first by default. */
export const SYSTEM_SCRIPT_DIR = "/usr/libexec/docker-glue";

/**
 * The default script paths for a glue dir: {@link SYSTEM_SCRIPT_DIR}, then
 * `<glue dir>/../handler-scripts` (Glue's source layout) (pure; `..` is resolved lexically).
 *
 * @example
 * ```ts
 * import { defaultScriptPaths } from "./resolve.ts";
 * defaultScriptPaths("/etc/docker-glue.d"); // ["/usr/libexec/docker-glue", "/etc/handler-scripts"]
 * ```
 */
export function defaultScriptPaths(glueDir: string): string[] {
  return [SYSTEM_SCRIPT_DIR, join(dirname(resolve(glueDir)), "handler-scripts")];
}

/** Result of {@link resolveGlueScript}. */
export interface ResolvedScript {
  /** Real path of the script, or undefined when none was found. */
  readonly path?: string;
  /** Every candidate looked at, in order (for the "not found" warning). */
  readonly tried: readonly string[];
}

async function executableFile(path: string): Promise<string | undefined> {
  try {
    const real = await Deno.realPath(path);
    const st = await Deno.stat(real);
    if (st.isFile && st.mode !== null && (st.mode & 0o111) !== 0) return real;
  } catch {
    // missing or unreadable: not a match
  }
  return undefined;
}

/**
 * Resolve `script` like Glue: absolute paths as written, otherwise the first candidate
 * `<path>/<script>` that is an executable regular file. Unlike Glue, an absolute path must exist
 * and be executable too, and the result is the real path (symlinks resolved).
 *
 * @param script The `[params] script=` value.
 * @param paths Script directories in search order.
 *
 * @example
 * ```ts ignore
 * const r = await resolveGlueScript("test-handler.sh", defaultScriptPaths("/etc/docker-glue.d"));
 * ```
 */
export async function resolveGlueScript(
  script: string,
  paths: readonly string[],
): Promise<ResolvedScript> {
  const candidates = isAbsolute(script) ? [script] : paths.map((p) => join(resolve(p), script));
  for (const c of candidates) {
    const real = await executableFile(c);
    if (real) return { path: real, tried: candidates };
  }
  return { tried: candidates };
}
