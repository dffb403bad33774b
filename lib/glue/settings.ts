/**
 * The `glue:` section of `reactor.yaml` / `reactor.config.ts` (`{ dirs: [...], scriptPaths:
 * [...] }`) and how it combines with `--glue-dir` / `--glue-script-path`.
 *
 * @module
 */
import { type FieldPath, formatPath, type Locate } from "../config/problems.ts";

/** Where Glue handler INI files and their scripts are. */
export interface GlueSettings {
  /** Glue dirs (`docker-glue.d`), loaded in order. */
  dirs: string[];
  /** Script search path; undefined means the defaults per dir. */
  scriptPaths?: string[];
}

const KEYS = ["dirs", "scriptPaths"];

function stringList(
  v: unknown,
  path: FieldPath,
  locate: Locate,
  problems: string[],
): string[] | undefined {
  if (!Array.isArray(v) || v.some((s) => typeof s !== "string" || s === "")) {
    problems.push(
      `${locate(path)}: ${formatPath(path)}: must be a list of paths — e.g. ["/etc/docker-glue.d"]`,
    );
    return undefined;
  }
  return v as string[];
}

/**
 * Validate a `glue:` value. Problems are `<where>: glue.<field>: what — fix` lines.
 *
 * @example
 * ```ts
 * import { parseGlueSettings } from "./settings.ts";
 * parseGlueSettings({ dirs: ["/etc/docker-glue.d"] }, () => "reactor.yaml").settings;
 * // { dirs: ["/etc/docker-glue.d"] }
 * ```
 */
export function parseGlueSettings(
  value: unknown,
  locate: Locate,
  path: FieldPath = ["glue"],
): { settings?: GlueSettings; problems: string[] } {
  const problems: string[] = [];
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return {
      problems: [
        `${locate(path)}: ${
          formatPath(path)
        }: must be a mapping — e.g. glue: { dirs: [/etc/docker-glue.d] }`,
      ],
    };
  }
  const obj = value as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    if (!KEYS.includes(k)) {
      problems.push(
        `${locate([...path, k], { key: true })}: ${formatPath([...path, k])}: unknown key — use ${
          KEYS.join(" or ")
        }`,
      );
    }
  }
  const dirs = obj["dirs"] === undefined
    ? []
    : stringList(obj["dirs"], [...path, "dirs"], locate, problems);
  const scriptPaths = obj["scriptPaths"] === undefined
    ? undefined
    : stringList(obj["scriptPaths"], [...path, "scriptPaths"], locate, problems);
  if (problems.length || !dirs) return { problems };
  return { settings: scriptPaths ? { dirs, scriptPaths } : { dirs }, problems };
}

/**
 * Combine flags with the config: `--glue-dir` adds to `glue.dirs` (duplicates dropped);
 * `--glue-script-path` replaces `glue.scriptPaths` (pure).
 */
export function mergeGlueSettings(
  config: GlueSettings | undefined,
  flags: { glueDir?: readonly string[]; glueScriptPath?: readonly string[] },
): GlueSettings {
  const dirs = [...new Set([...(config?.dirs ?? []), ...(flags.glueDir ?? [])])];
  const scriptPaths = flags.glueScriptPath?.length
    ? [...flags.glueScriptPath]
    : config?.scriptPaths;
  return scriptPaths ? { dirs, scriptPaths } : { dirs };
}
