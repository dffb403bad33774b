/**
 * The `docker:` hosts of a loaded config, validated for `check`, `run` and reloads: the hosts
 * section itself (problems get `file:line:col` in YAML) and the `hosts:` ids that rules and
 * handlers name.
 *
 * @module
 */
import type { LoadedConfig } from "../config/model.ts";
import { formatPath } from "../config/validate.ts";
import { yamlPosition } from "../config/yaml.ts";
import { ConfigError } from "../errors.ts";
import type { HostConfig } from "../hosts/config.ts";
import { type EnvSource, hostConfigs } from "./globals.ts";

/** Problems for `hosts:` ids of rules and handlers that no configured host has. */
export function unknownHostIds(cfg: LoadedConfig, hosts: readonly HostConfig[]): string[] {
  const ids = hosts.map((h) => h.id);
  const problems: string[] = [];
  const check = (origin: string, path: string, list: readonly string[] | undefined) => {
    for (const id of list ?? []) {
      if (!ids.includes(id)) {
        problems.push(
          `${origin}: ${path}: unknown host id "${id}" — configured hosts: ${ids.join(", ")}`,
        );
      }
    }
  };
  for (const r of cfg.rules) {
    check(r.origin, formatPath(["events_reactor", r.name, "hosts"]), r.hosts);
  }
  for (const h of cfg.handlers) {
    const [file, key] = [
      h.origin.slice(0, h.origin.lastIndexOf(": ")),
      h.origin.slice(h.origin.lastIndexOf(": ") + 2),
    ];
    check(file, `${key}.hosts`, h.hosts);
  }
  return problems;
}

/** Turn `file.yaml: docker.hosts.x.y: …` into `file.yaml:line:col: docker.hosts.x.y: …`. */
export async function withYamlPositions(problems: readonly string[]): Promise<string[]> {
  const texts = new Map<string, string | undefined>();
  const out: string[] = [];
  for (const p of problems) {
    const m = /^(\S+\.ya?ml): ([\w.-]+)(?: \(from [^)]*\))?: /.exec(p);
    if (!m) {
      out.push(p);
      continue;
    }
    const [, file, path] = m;
    if (!texts.has(file!)) texts.set(file!, await Deno.readTextFile(file!).catch(() => undefined));
    const text = texts.get(file!);
    const pos = text === undefined ? undefined : yamlPosition(text, path!);
    out.push(pos ? `${file}:${pos}${p.slice(file!.length)}` : p);
  }
  return out;
}

/**
 * Every configured host of `cfg` (see `hostConfigs`), checking that each `hosts:` id of a rule
 * or handler exists. Throws ConfigError listing every problem.
 */
export async function validateHosts(
  cfg: LoadedConfig,
  opts: { host?: string; hostEnv?: EnvSource } = {},
): Promise<HostConfig[]> {
  let hosts: HostConfig[];
  try {
    hosts = hostConfigs(
      { host: opts.host } as Parameters<typeof hostConfigs>[0],
      cfg.docker,
      opts.hostEnv,
    );
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(await withYamlPositions(err.problems));
    throw err;
  }
  const problems = unknownHostIds(cfg, hosts);
  if (problems.length) throw new ConfigError(problems);
  return hosts;
}
