/**
 * Load Docker Glue handler directories: every `DIR/*.ini` becomes a {@link GlueHandlerSpec}, or
 * `file:line: problem — fix` lines. `[handler]` keys: `class`, `events` (comma-separated actions,
 * `all`, `none`), `enabled` (default 1), `triggers-none` (default 0); `[params]` are the
 * handler's parameters. Other sections are left to the handler's script (it may read them with
 * crudini).
 *
 * Glue differences, on purpose: a broken file is reported (Glue crashed or ignored it),
 * `triggers-none` works as documented (Glue read it only if `triggers_none` also existed), and
 * event names are checked against Docker's container actions.
 *
 * @module
 */
import { basename, resolve } from "node:path";
import { checkConfigDir, checkOwnership } from "../config/security.ts";
import { GLUE_CLASSES, type GlueClass, type GlueKind, lookupGlueClass } from "./classes.ts";
import { type GlueIni, type IniEntry, parseGlueIni } from "./ini.ts";
import { defaultScriptPaths, resolveGlueScript } from "./resolve.ts";
import { paramEnvName, scriptSafetyProblem } from "./script_handler.ts";

/** The pseudo-event Glue runs at startup and after handlers with `triggers-none`. */
export const NONE = "none";
/** The `events` value that matches every container action (but not `none`). */
export const ALL = "all";

/** Docker's container event actions (what `events=` may list besides `all`/`none`). */
export const CONTAINER_ACTIONS: ReadonlySet<string> = new Set([
  "attach",
  "commit",
  "copy",
  "create",
  "destroy",
  "detach",
  "die",
  "exec_create",
  "exec_detach",
  "exec_start",
  "exec_die",
  "export",
  "health_status",
  "kill",
  "oom",
  "pause",
  "rename",
  "resize",
  "restart",
  "start",
  "stop",
  "top",
  "unpause",
  "update",
  "prune",
]);

const HANDLER_KEYS = ["class", "events", "enabled", "triggers-none"];

/** One loaded Glue handler. */
export interface GlueHandlerSpec {
  /** Absolute path of the INI file (what a script gets as its first argument). */
  readonly file: string;
  /** Line of `class=`. */
  readonly line: number;
  /** File name without `.ini` (for logs and tables). */
  readonly name: string;
  readonly class: string;
  readonly kind: GlueKind;
  /** Container actions it subscribes to, or `"all"`. Never contains `none`. */
  readonly events: ReadonlySet<string> | "all";
  /** Subscribed to the `none` pseudo-event. */
  readonly none: boolean;
  /** `enabled=` from the file, and for scripts also: the script was found. */
  readonly enabled: boolean;
  readonly triggersNone: boolean;
  /** `[params]`, keys lower-cased. */
  readonly params: Readonly<Record<string, string>>;
  /** Line of each `[params]` key (for problems found later, e.g. in HAProxy settings). */
  readonly paramLines: Readonly<Record<string, number>>;
  /** Resolved script (ScriptHandler with a script found). */
  readonly script?: string;
  /** `enabled`, `disabled (enabled=0)`, `disabled: script "x" not found`, … for `reactor check`. */
  readonly state: string;
}

/** Options for {@link loadGlueDirs}. */
export interface LoadGlueOptions {
  /** `--glue-script-path` (default per dir: `/usr/libexec/docker-glue`, `<dir>/../handler-scripts`). */
  scriptPaths?: readonly string[];
  /** Default `Deno.uid() === 0`: the ownership checks apply only to root. */
  isRoot?: boolean;
  /** `--insecure-config`: accept INI files/dirs others can write. */
  insecureConfig?: boolean;
  /** `--insecure-scripts`: accept scripts/dirs others can write. */
  insecureScripts?: boolean;
  /** Class table (default {@link GLUE_CLASSES}). */
  classes?: Readonly<Record<string, GlueClass>>;
}

/** Result of {@link loadGlueDirs}. */
export interface GlueLoadResult {
  /** Handlers in load order: dirs as given, files sorted by name. Broken files are left out. */
  handlers: GlueHandlerSpec[];
  /** Errors (`file:line: problem — fix`): `reactor check` fails on any. */
  problems: string[];
  /** Non-fatal notes (a missing script disables its handler, as in Glue). */
  warnings: string[];
}

/** Python `getboolean` spellings. */
function parseBool(v: string): boolean | undefined {
  const s = v.toLowerCase();
  if (["1", "yes", "true", "on"].includes(s)) return true;
  if (["0", "no", "false", "off"].includes(s)) return false;
  return undefined;
}

async function iniFiles(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (!e.name.endsWith(".ini") || e.name.startsWith(".")) continue;
    const st = await Deno.stat(`${dir}/${e.name}`).catch(() => undefined);
    if (st?.isFile) names.push(e.name);
  }
  return names.sort().map((n) => `${dir}/${n}`);
}

/**
 * Load every `*.ini` of each glue dir. Never throws for bad input: a missing dir, an unreadable
 * or broken file, an unknown class or an unsafe file (as root) is a problem line; a missing
 * script is a warning and disables that handler.
 *
 * @param dirs Glue dirs (`--glue-dir`), in order; the same real dir twice is loaded once.
 *
 * @example
 * ```ts ignore
 * const { handlers, problems, warnings } = await loadGlueDirs(["/etc/docker-glue.d"]);
 * ```
 */
export async function loadGlueDirs(
  dirs: readonly string[],
  opts: LoadGlueOptions = {},
): Promise<GlueLoadResult> {
  const out: GlueLoadResult = { handlers: [], problems: [], warnings: [] };
  const done = new Set<string>();
  const own = { isRoot: opts.isRoot, insecure: opts.insecureConfig };
  for (const given of dirs) {
    const dir = resolve(given);
    let real: string;
    let files: string[];
    try {
      real = await Deno.realPath(dir);
      if (!(await Deno.stat(real)).isDirectory) throw new Error("not a directory");
      files = await iniFiles(dir);
    } catch (err) {
      out.problems.push(
        `${dir}: cannot read glue dir: ${(err as Error).message} — create it or fix --glue-dir`,
      );
      continue;
    }
    if (done.has(real)) continue;
    done.add(real);
    // whoever can add a file here runs commands as root: refuse the whole dir
    const dirProblem = files[0] ? await checkConfigDir(files[0], own) : undefined;
    if (dirProblem) {
      out.problems.push(dirProblem);
      continue;
    }
    const scriptPaths = opts.scriptPaths ?? defaultScriptPaths(dir);
    for (const file of files) {
      const unsafe = await checkOwnership(file, "config file", own);
      if (unsafe) {
        out.problems.push(unsafe);
        continue;
      }
      let text: string;
      try {
        text = await Deno.readTextFile(file);
      } catch (err) {
        out.problems.push(`${file}: cannot read: ${(err as Error).message} — check its mode`);
        continue;
      }
      await loadOne(parseGlueIni(text, file), scriptPaths, opts, out);
    }
  }
  return out;
}

/** Turn one parsed file into a handler (or problems/warnings) and add it to `out`. */
async function loadOne(
  ini: GlueIni,
  scriptPaths: readonly string[],
  opts: LoadGlueOptions,
  out: GlueLoadResult,
): Promise<void> {
  const { file } = ini;
  const problems = [...ini.problems];
  const at = (line: number, what: string, fix: string) =>
    problems.push(`${file}:${line}: ${what} — ${fix}`);
  const handler = ini.sections.get("handler");
  if (!handler) {
    at(1, "missing [handler] section", "add [handler] with class= and events=");
    out.problems.push(...problems);
    return;
  }
  const get = (k: string): IniEntry | undefined => handler.entries.get(k);
  for (const e of handler.entries.values()) {
    if (HANDLER_KEYS.includes(e.key)) continue;
    const hint = e.key === "triggers_none" ? "did you mean triggers-none? " : "";
    at(
      e.line,
      `unknown key "${e.rawKey}" in [handler]`,
      `${hint}use ${HANDLER_KEYS.join(", ")}; handler parameters go under [params]`,
    );
  }
  const flag = (k: string, dflt: boolean): boolean => {
    const e = get(k);
    if (!e) return dflt;
    const b = parseBool(e.value);
    if (b === undefined) {
      at(e.line, `bad ${k} value ${JSON.stringify(e.value)}`, "use 1 or 0 (or yes/no, true/false)");
    }
    return b ?? dflt;
  };
  const enabled = flag("enabled", true);
  const triggersNone = flag("triggers-none", false);

  const { events, none } = readEvents(get("events"), handler.line, at);

  const classEntry = get("class");
  let kind: GlueKind | undefined;
  if (!classEntry || classEntry.value === "") {
    at(
      handler.line,
      "missing class",
      `add class= with one of ${Object.keys(GLUE_CLASSES).join(", ")}`,
    );
  } else {
    const c = lookupGlueClass(classEntry.value, opts.classes);
    if (c.ok) kind = c.kind;
    else if (c.unavailable && !enabled) {
      // listed as disabled, so `reactor check` still shows it
      kind = c.kind;
      out.warnings.push(`${file}:${classEntry.line}: ${c.problem} — ${c.fix}`);
    } else at(classEntry.line, c.problem, c.fix);
  }

  const paramsSection = ini.sections.get("params");
  const paramEntries = [...(paramsSection?.entries.values() ?? [])];
  const params = Object.fromEntries(paramEntries.map((e) => [e.key, e.value]));
  let script: string | undefined;
  let state = enabled ? "enabled" : "disabled (enabled=0)";
  if (kind === "script") {
    const entry = paramsSection?.entries.get("script");
    if (!entry || entry.value === "") {
      at(
        entry?.line ?? paramsSection?.line ?? classEntry!.line,
        "ScriptHandler without [params] script=",
        "add script=NAME (found in the script paths) or an absolute path",
      );
    } else {
      script = await findScript(file, entry, scriptPaths, opts, {
        problems,
        warnings: out.warnings,
      });
      if (!script) state = `disabled: script "${entry.value}" not found`;
    }
  }
  out.warnings.push(...collisionWarnings(file, paramEntries));
  if (problems.length || !kind || !classEntry) {
    out.problems.push(...problems);
    return;
  }
  out.handlers.push({
    file,
    line: classEntry.line,
    name: basename(file, ".ini"),
    class: classEntry.value,
    kind,
    events,
    none,
    enabled: enabled && (kind !== "script" || script !== undefined),
    triggersNone,
    params,
    paramLines: Object.fromEntries(paramEntries.map((e) => [e.key, e.line])),
    script,
    state,
  });
}

/** Parse `events=` into container actions (or `all`) and the `none` flag. */
function readEvents(
  entry: IniEntry | undefined,
  sectionLine: number,
  at: (line: number, what: string, fix: string) => void,
): { events: ReadonlySet<string> | "all"; none: boolean } {
  const actions = new Set<string>();
  let all = false;
  let none = false;
  if (!entry || entry.value === "") {
    at(
      entry?.line ?? sectionLine,
      "missing events",
      "add events= with container actions (start,die), all, or none",
    );
    return { events: actions, none };
  }
  for (const name of entry.value.split(",").map((s) => s.trim()).filter(Boolean)) {
    if (name === NONE) none = true;
    else if (name === ALL) all = true;
    else if (CONTAINER_ACTIONS.has(name)) actions.add(name);
    else {
      at(
        entry.line,
        `unknown event "${name}"`,
        `use all, none, or Docker container actions (${[...CONTAINER_ACTIONS].join(", ")})`,
      );
    }
  }
  return { events: all ? ALL : actions, none };
}

/**
 * Resolve a ScriptHandler's script: not found is a warning (the handler is disabled, as in
 * Glue); found but writable by others (as root) is a problem.
 */
async function findScript(
  file: string,
  entry: IniEntry,
  scriptPaths: readonly string[],
  opts: LoadGlueOptions,
  out: { problems: string[]; warnings: string[] },
): Promise<string | undefined> {
  const r = await resolveGlueScript(entry.value, scriptPaths);
  if (!r.path) {
    out.warnings.push(
      `${file}:${entry.line}: script "${entry.value}" not found (looked at ${
        r.tried.join(", ")
      }); handler disabled — install it there, pass --glue-script-path, or use an absolute path`,
    );
    return undefined;
  }
  const unsafe = await scriptSafetyProblem(r.path, {
    uid: opts.isRoot === undefined ? undefined : opts.isRoot ? 0 : 1,
    insecure: opts.insecureScripts,
  });
  if (unsafe) out.problems.push(`${file}:${entry.line}: ${unsafe}`);
  return r.path;
}

/** `[params]` keys that map to the same `REACTOR_PARAM_*` name (the first one wins). */
function collisionWarnings(file: string, entries: readonly IniEntry[]): string[] {
  const seen = new Map<string, IniEntry>();
  const warnings: string[] = [];
  for (const e of entries) {
    const name = paramEnvName(e.key);
    const first = seen.get(name);
    if (!first) {
      seen.set(name, e);
      continue;
    }
    warnings.push(
      `${file}:${e.line}: params "${first.rawKey}" (line ${first.line}) and "${e.rawKey}" both map to ${name}; the environment gets the first — rename one (crudini still reads both)`,
    );
  }
  return warnings;
}
