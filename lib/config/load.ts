/**
 * Load every config file into one {@link LoadedConfig}, collecting all problems from all
 * files before failing (so `reactor check` reports everything at once).
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import { configKind } from "./discover.ts";
import type { BuiltinSettings, ConfigPart, HandlerSpec, LoadedConfig, RuleSpec } from "./model.ts";
import { checkConfigDir, checkOwnership } from "./security.ts";
import { loadTsFile } from "./ts_loader.ts";
import { loadYamlFile } from "./yaml.ts";

/** Options for {@link loadConfig}. */
export interface LoadOptions {
  /** `--insecure-config`. */
  insecure?: boolean;
  /** Default `Deno.uid() === 0`. */
  isRoot?: boolean;
}

/** The embedded default: built-in hooks on, no rules or handlers. */
export function defaultConfig(): LoadedConfig {
  return { files: [], rules: [], handlers: [], builtins: { labels: {}, scripts: {} } };
}

/**
 * Load and validate `paths` (absolute; from `resolveConfigPaths`). `[]` gives the embedded
 * default. Throws {@link ConfigError} listing every problem.
 */
export async function loadConfig(
  paths: readonly string[],
  opts: LoadOptions = {},
): Promise<LoadedConfig> {
  if (!paths.length) return defaultConfig();
  const problems: string[] = [];
  const rules: RuleSpec[] = [];
  const handlers: HandlerSpec[] = [];
  const builtins: BuiltinSettings = { labels: {}, scripts: {} };
  let docker: LoadedConfig["docker"];
  const files: string[] = [];
  /** The first error a TS config threw (its stack is shown with --verbose). */
  let cause: unknown;
  for (const path of paths) {
    let real: string;
    try {
      real = await Deno.realPath(path);
    } catch (err) {
      problems.push(`${path}: cannot read config file: ${(err as Error).message} — check the path`);
      continue;
    }
    files.push(real);
    const refusal = await checkOwnership(real, "config file", opts) ??
      await checkConfigDir(real, opts);
    if (refusal) {
      problems.push(refusal);
      continue;
    }
    let result: { part: ConfigPart; problems: string[]; error?: unknown };
    const k = configKind(real);
    if (k === "yaml") {
      try {
        result = await loadYamlFile(real);
      } catch (err) {
        problems.push(`${path}: cannot read config file: ${(err as Error).message}`);
        continue;
      }
    } else if (k === "ts") result = await loadTsFile(real);
    else {
      problems.push(`${path}: unknown config file type — name it *.yaml, *.yml or *.ts`);
      continue;
    }
    problems.push(...result.problems);
    if (result.error !== undefined) cause ??= result.error;
    for (const r of result.part.rules) {
      const dup = rules.find((x) => x.name === r.name);
      if (dup) {
        problems.push(
          `${r.origin}: rule "${r.name}" is already defined at ${dup.origin} — give each rule a unique name`,
        );
      } else rules.push(r);
    }
    handlers.push(...result.part.handlers);
    Object.assign(builtins, result.part.builtins);
    if (result.part.docker !== undefined) {
      if (docker) {
        problems.push(
          `${real}: docker: is already set in ${docker.file} — keep the docker: section in one file`,
        );
      } else docker = { value: result.part.docker, file: real };
    }
  }
  if (typeof builtins.scripts === "object" && builtins.scripts.dir) {
    const refusal = await checkOwnership(builtins.scripts.dir, "scripts dir", opts);
    if (refusal) problems.push(refusal);
  }
  if (problems.length) throw new ConfigError(problems, cause === undefined ? undefined : { cause });
  return { files, rules, handlers, builtins, docker };
}
