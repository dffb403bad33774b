/**
 * Load every config file into one {@link LoadedConfig}: rules, TS handlers, built-in hook
 * settings (each validated by its descriptor, with CLI flags on top) and the Docker hosts (with
 * env overrides and `-H`), collecting all problems from all files before failing, each at its
 * `file:line:col` (or the flag or variable that set the value), in one pass.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import { type HostConfig, validateDockerSection } from "../hosts/config.ts";
import type { HostsContext } from "../hosts/config.ts";
import { type BuiltinHook, type ConfiguredHook, flagAttribute, settingsPath } from "./builtin.ts";
import { configKind } from "./discover.ts";
import { Fields } from "./fields.ts";
import type { ConfigPart, HandlerSpec, LoadedConfig, RuleSpec } from "./model.ts";
import { formatPath, isMap, Problems } from "./problems.ts";
import { checkConfigDir, checkOwnership } from "./security.ts";
import { loadTsFile } from "./ts_loader.ts";
import type { TsConfigRuntime } from "./ts_runtime.ts";
import { validateTs, validateYaml } from "./validate.ts";

/** Options for {@link loadConfig}. */
export interface LoadOptions {
  /** `--insecure-config`. */
  insecure?: boolean;
  /** Default `Deno.uid() === 0`. */
  isRoot?: boolean;
  /** The built-in hooks (`hooks/mod.ts`); none when omitted. */
  registry?: readonly BuiltinHook[];
  /** Parsed command-line options: the hooks' flags are read from here by attribute name. */
  flags?: Readonly<Record<string, unknown>>;
  /** Host resolution: `-H`, the environment, home, … (default: the process's). */
  hosts?: Partial<HostsContext>;
  /** Time limit for loading one TS config (default 10 s). */
  tsTimeoutMs?: number;
}

/** A loaded config and the Workers running its TS files. */
export interface Loaded extends LoadedConfig {
  /** Stop the Workers of the TS config files (after their running handlers, when graceful). */
  close(): void;
  readonly runtimes: readonly TsConfigRuntime[];
}

interface FilePart {
  file: string;
  part: ConfigPart;
  problems: Problems;
}

async function loadFile(path: string, opts: LoadOptions, into: string[]): Promise<
  FilePart & { runtime?: TsConfigRuntime; error?: unknown } | undefined
> {
  const registry = opts.registry ?? [];
  let real: string;
  try {
    real = await Deno.realPath(path);
  } catch (err) {
    into.push(`${path}: cannot read config file: ${(err as Error).message} — check the path`);
    return undefined;
  }
  const refusal = await checkOwnership(real, "config file", opts) ??
    await checkConfigDir(real, opts);
  if (refusal) {
    into.push(refusal);
    return undefined;
  }
  const k = configKind(real);
  if (k === "yaml") {
    let doc;
    try {
      // loaded only for YAML configs: the embedded default and TS configs never pay for it
      const { parseYamlFile } = await import("./yaml.ts");
      doc = await parseYamlFile(real);
    } catch (err) {
      if (err instanceof ConfigError) into.push(...err.problems);
      else into.push(`${path}: cannot read config file: ${(err as Error).message}`);
      return undefined;
    }
    const part = doc.ok ? validateYaml(doc.value, doc.problems, registry) : undefined;
    return { file: real, part: part ?? emptyPart(), problems: doc.problems };
  }
  if (k === "ts") {
    const problems = new Problems(() => real);
    const ts = await loadTsFile(real, { timeoutMs: opts.tsTimeoutMs });
    problems.list.push(...ts.problems);
    const part = ts.problems.length ? emptyPart() : validateTs(ts.value, problems, real, registry);
    return { file: real, part, problems, runtime: ts.runtime, error: ts.error };
  }
  into.push(`${path}: unknown config file type — name it *.yaml, *.yml or *.ts`);
  return undefined;
}

function emptyPart(): ConfigPart {
  return { rules: [], handlers: [], hooks: {} };
}

/**
 * Load and validate `paths` (absolute; from `resolveConfigPaths`). `[]` gives the embedded
 * default (built-in hooks with their defaults, the default hosts). Throws {@link ConfigError}
 * listing every problem.
 */
export async function loadConfig(
  paths: readonly string[],
  opts: LoadOptions = {},
): Promise<Loaded> {
  const plain: string[] = [];
  const parts: FilePart[] = [];
  const runtimes: TsConfigRuntime[] = [];
  let cause: unknown;
  for (const path of paths) {
    const r = await loadFile(path, opts, plain);
    if (!r) continue;
    parts.push(r);
    if (r.runtime) runtimes.push(r.runtime);
    cause ??= r.error;
  }
  const close = () => runtimes.forEach((r) => r.close());
  try {
    const cfg = await assemble(parts, opts);
    const problems = [...plain, ...parts.flatMap((p) => p.problems.list), ...cfg.problems];
    if (problems.length) throw new ConfigError(problems, cause === undefined ? {} : { cause });
    return { ...cfg.config, runtimes, close };
  } catch (err) {
    close();
    throw err;
  }
}

async function assemble(
  parts: FilePart[],
  opts: LoadOptions,
): Promise<{ config: LoadedConfig; problems: string[] }> {
  const global = new Problems();
  const rules: RuleSpec[] = [];
  const byName = new Map<string, RuleSpec>();
  const handlers: HandlerSpec[] = [];
  let docker: { value: unknown; file: string; problems: Problems } | undefined;
  for (const { file, part, problems } of parts) {
    for (const r of part.rules) {
      const dup = byName.get(r.name);
      if (dup) {
        problems.plain(
          `${r.origin}: rule "${r.name}" is already defined at ${dup.origin} — give each rule a unique name`,
        );
      } else {
        byName.set(r.name, r);
        rules.push(r);
      }
    }
    handlers.push(...part.handlers);
    if (part.docker !== undefined) {
      if (docker) {
        problems.plain(
          `${file}: docker: is already set in ${docker.file} — keep the docker: section in one file`,
        );
      } else docker = { value: part.docker, file, problems };
    }
  }
  const hostsCtx = hostsContext(opts.hosts);
  const hosts = validateDockerSection(docker?.problems ?? global, docker?.value, hostsCtx);
  unknownHostIds(rules, handlers, hosts, global);
  const hooks: ConfiguredHook[] = [];
  const builtins: Record<string, unknown> = {};
  for (const hook of opts.registry ?? []) {
    const c = await configureHook(hook, parts, opts, global);
    if (!c) continue;
    hooks.push(c);
    builtins[hook.name] = c.settings;
  }
  return {
    config: {
      files: parts.map((p) => p.file),
      rules,
      handlers,
      builtins,
      hooks,
      docker: docker && { value: docker.value, file: docker.file },
      hosts,
    },
    problems: global.list,
  };
}

/** One hook's settings: the last file that sets them, the flags on top, then its validator. */
async function configureHook(
  hook: BuiltinHook,
  parts: readonly FilePart[],
  opts: LoadOptions,
  global: Problems,
): Promise<ConfiguredHook | undefined> {
  const from = parts.findLast((p) => p.part.hooks[hook.name] !== undefined);
  let raw = from?.part.hooks[hook.name];
  const problems = from?.problems ?? global;
  const path = settingsPath(hook);
  const given: [string, unknown, string][] = [];
  for (const f of hook.flags ?? []) {
    const v = opts.flags?.[flagAttribute(f)];
    if (v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0)) {
      given.push([f.setting, v, f.flags.split(/[ ,]/)[0]!]);
    }
  }
  if (raw === false) return { hook, settings: false, source: from!.file };
  if (raw === undefined && !hook.defaultOn && !given.length) return undefined;
  if (raw === true || raw === null || raw === undefined) raw = {};
  if (!isMap(raw) || typeof raw === "function") {
    problems.add(
      path,
      `expected true, false or a map of settings${
        hook.flags?.length ? ` (${hook.flags.map((f) => f.setting).join(", ")}, …)` : ""
      }, got ${Array.isArray(raw) ? "a list" : typeof raw}`,
    );
    return undefined;
  }
  const merged: Record<string, unknown> = { ...raw };
  for (const [setting, v, flag] of given) {
    merged[setting] = v;
    problems.origin([...path, setting], flag);
  }
  const settings = await hook.settings(new Fields(problems, path, merged), {
    isRoot: opts.isRoot ?? Deno.uid() === 0,
    insecure: !!opts.insecure,
    file: from?.file,
  });
  if (settings === undefined) return undefined;
  return { hook, settings, source: from?.file ?? "built-in" };
}

function hostsContext(h: Partial<HostsContext> = {}): HostsContext {
  const env = h.env ?? Deno.env.toObject();
  return { ...h, env, home: h.home ?? env["HOME"] ?? "/root" };
}

/** `hosts:` ids of rules and handlers that no configured host has. */
function unknownHostIds(
  rules: readonly RuleSpec[],
  handlers: readonly HandlerSpec[],
  hosts: readonly HostConfig[],
  p: Problems,
): void {
  const ids = hosts.map((h) => h.id);
  const check = (where: string, path: string, list: readonly string[] | undefined) => {
    for (const id of list ?? []) {
      if (!ids.includes(id)) {
        p.plain(`${where}: ${path}: unknown host id "${id}" — configured hosts: ${ids.join(", ")}`);
      }
    }
  };
  for (const r of rules) {
    check(r.origin, formatPath(["events_reactor", r.name, "hosts"]), r.hosts);
  }
  for (const h of handlers) {
    const cut = h.origin.lastIndexOf(": ");
    check(h.origin.slice(0, cut), `${h.origin.slice(cut + 2)}.hosts`, h.hosts);
  }
}
