/**
 * `REACTOR_DOCKER_HOSTS_<ID>_<PARAM>=value` overrides of the hosts section. They are written
 * into the raw section before validation, and each overridden field is recorded as coming from
 * its variable, so a bad value is reported as `REACTOR_DOCKER_HOSTS_…: problem — fix`.
 *
 * @module
 */
import { type FieldPath, isMap, type Problems, quote } from "../config/problems.ts";

/** Prefix of the environment overrides. */
export const ENV_PREFIX = "REACTOR_DOCKER_HOSTS_";

/** Upper-case env form of a host id (`my-host` → `MY_HOST`). */
export function envIdOf(id: string): string {
  return id.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

/** Override parameters → the field they set (canonical key names) and whether it is a list. */
const ENV_PARAMS: ReadonlyArray<readonly [string, readonly string[], boolean]> = (
  [
    ["TYPE", ["type"], false],
    ["HOST", ["host"], false],
    ["DISABLED", ["disabled"], false],
    ["CLIENTTLS_CA", ["clienttls", "ca"], false],
    ["CLIENTTLS_CERT", ["clienttls", "cert"], false],
    ["CLIENTTLS_KEY", ["clienttls", "key"], false],
    ["MANAGED_EXECUTABLE", ["managed", "executable"], false],
    ["MANAGED_ENV", ["managed", "env"], true],
    ["MANAGED_ARGS", ["managed", "args"], true],
    ["MANAGED_LOGLEVEL", ["managed", "logLevel"], false],
    ["MANAGED_LOGPREFIX", ["managed", "logPrefix"], false],
    ["MANAGED_HEALTHCHECK_INTERVAL", ["managed", "healthCheck", "interval"], false],
    ["MANAGED_HEALTHCHECK_RETRIES", ["managed", "healthCheck", "retries"], false],
    ["MANAGED_USER", ["managed", "user"], false],
    ["MANAGED_ONSTALE", ["managed", "onStale"], false],
    ["MANAGED_STOPTIMEOUT", ["managed", "stopTimeout"], false],
    ["SSH_ARGS", ["ssh", "args"], true],
  ] as const
).slice().sort((a, b) => b[0].length - a[0].length);

/**
 * Apply the overrides found in `env` to `hosts` (host id → raw settings, modified in place).
 * Problems are reported under the variable's name; `origins` receives the overridden fields.
 */
export function applyEnvOverrides(
  hosts: Record<string, Record<string, unknown>>,
  env: Record<string, string | undefined>,
  base: FieldPath,
  p: Problems,
): void {
  for (const [name, val] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || val === undefined) continue;
    const rest = name.slice(ENV_PREFIX.length);
    const param = ENV_PARAMS.find(([k]) => rest.endsWith(`_${k}`) && rest.length > k.length + 1);
    if (!param) {
      p.plain(
        `${name}: unknown parameter — use ${ENV_PREFIX}<ID>_<PARAM> with PARAM one of ${
          ENV_PARAMS.map(([k]) => k).sort().join(", ")
        }`,
      );
      continue;
    }
    const [k, path, isList] = param;
    const envId = rest.slice(0, rest.length - k.length - 1);
    const id = Object.keys(hosts).find((h) => envIdOf(h) === envId) ?? envId.toLowerCase();
    let value: unknown = val;
    if (isList) {
      const list = parseList(val);
      if (typeof list === "string") {
        p.plain(`${name}: ${list}`);
        continue;
      }
      value = list;
    }
    let node = hosts[id] ??= {};
    for (const seg of path.slice(0, -1)) {
      const key = findKey(node, seg) ?? seg;
      if (!isMap(node[key])) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    const last = path[path.length - 1]!;
    node[findKey(node, last) ?? last] = value;
    p.origin([...base, id, ...path], name);
  }
}

function findKey(m: Record<string, unknown>, key: string): string | undefined {
  const want = key.toLowerCase();
  return Object.keys(m).find((k) => k.toLowerCase() === want);
}

/** A JSON array of strings, or space-separated words; a string is the problem. */
function parseList(val: string): string[] | string {
  const t = val.trim();
  if (!t.startsWith("[")) return t.split(/\s+/).filter(Boolean);
  let parsed: unknown;
  try {
    parsed = JSON.parse(t);
  } catch {
    return `${quote(val)} is not a JSON array of strings — e.g. ["A=1","B=2"]`;
  }
  if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === "string")) {
    return `${quote(val)} is not a JSON array of strings — e.g. ["A=1","B=2"]`;
  }
  return parsed;
}
