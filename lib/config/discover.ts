/**
 * Which config files to load: `--config PATH` (repeatable), then `$REACTOR_CONFIG`, then the
 * first directory of `./` and `/etc/reactor/` holding `reactor.config.ts` and/or `reactor.yaml`
 * (both are loaded when both exist). None at all: the embedded default (built-in hooks only).
 *
 * @module
 */
import { isAbsolute, resolve } from "node:path";
import { ConfigError } from "../errors.ts";
import { notAFile, notAFileFix } from "./read_file.ts";

/** Default file names, in load order. */
export const CONFIG_NAMES: readonly string[] = ["reactor.config.ts", "reactor.yaml"];
/** System-wide config directory. */
export const ETC_DIR = "/etc/reactor";

/** Inputs of {@link resolveConfigPaths}. */
export interface DiscoverOptions {
  /** `--config` values in order. */
  flags?: readonly string[];
  /** `$REACTOR_CONFIG` (may list several paths separated by `:`). */
  env?: string;
  cwd?: string;
  /** Test seam. */
  exists?: (path: string) => boolean;
  /** Test seam for `/etc/reactor`. */
  etcDir?: string;
}

/** File kind from its extension. */
export function configKind(path: string): "ts" | "yaml" | undefined {
  if (/\.(ts|mts|js|mjs)$/.test(path)) return "ts";
  if (/\.ya?ml$/.test(path)) return "yaml";
  return undefined;
}

function statOf(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.statSync(path);
  } catch {
    return undefined;
  }
}

function fileExists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * Resolve the absolute config paths. Throws ConfigError when an explicitly named file is
 * missing or has an unknown extension. `[]` means the embedded default.
 */
export function resolveConfigPaths(opts: DiscoverOptions = {}): string[] {
  const cwd = opts.cwd ?? Deno.cwd();
  const exists = opts.exists ?? fileExists;
  const explicit = opts.flags?.length
    ? { from: "--config", list: [...opts.flags] }
    : opts.env
    ? { from: "$REACTOR_CONFIG", list: opts.env.split(":").filter(Boolean) }
    : undefined;
  if (explicit) {
    const problems: string[] = [];
    const out: string[] = [];
    for (const p of explicit.list) {
      const abs = isAbsolute(p) ? p : resolve(cwd, p);
      if (!configKind(abs)) {
        problems.push(
          `${p}: unknown config file type (from ${explicit.from}) — name it *.yaml, *.yml or *.ts`,
        );
      } else if (!exists(abs)) {
        const other = opts.exists ? undefined : statOf(abs);
        const what = other && notAFile(other);
        problems.push(
          what
            ? `${p}: ${what}, not a config file (from ${explicit.from}) — ${notAFileFix(p, what)}`
            : `${p}: config file not found (from ${explicit.from}) — check the path, or run \`reactor init\``,
        );
      } else if (!out.includes(abs)) out.push(abs);
    }
    if (problems.length) throw new ConfigError(problems);
    return out;
  }
  for (const dir of [cwd, opts.etcDir ?? ETC_DIR]) {
    const found = CONFIG_NAMES.map((n) => resolve(dir, n)).filter(exists);
    if (found.length) return found;
  }
  return [];
}
