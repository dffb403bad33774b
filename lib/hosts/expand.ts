/**
 * `${VAR}` expansion in host settings, and what reactor reads back from a managed daemon's argv
 * and environment (`--pidfile`, the RootlessKit state dir).
 *
 * @module
 */

/** Variables usable as `${NAME}`: the environment plus `USER_CACHE_DIR` and `HOME`. */
export function expansionVars(
  env: Record<string, string | undefined>,
  home: string,
): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) vars[k] = v;
  vars["HOME"] = home;
  vars["USER_CACHE_DIR"] = `${home.replace(/\/+$/, "")}/.cache`;
  return vars;
}

/**
 * Replace `${NAME}` in `s`. An unknown or malformed reference is reported through `problem`
 * (never silently empty) and left as it is.
 */
export function expandVars(
  s: string,
  vars: Record<string, string>,
  problem: (message: string) => void,
): string {
  return s.replace(/\$\{([^}]*)\}/g, (m, name: string) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      problem(`"${m}" is not a valid variable reference — use \${NAME}`);
      return m;
    }
    const v = vars[name];
    if (v === undefined) {
      problem(`\${${name}} is not set — set ${name} in reactor's environment or write the value`);
      return m;
    }
    return v;
  });
}

/** `--flag=value` or `--flag value` from an argv (the last one wins). */
export function flagValue(args: readonly string[], names: readonly string[]): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    for (const n of names) {
      if (a === n && i + 1 < args.length) found = args[i + 1];
      else if (a.startsWith(`${n}=`)) found = a.slice(n.length + 1);
    }
  }
  return found;
}

/** RootlessKit's `--state-dir` from a managed daemon's `NAME=value` environment. */
export function rootlessStateDir(env: readonly string[]): string | undefined {
  let dir: string | undefined;
  for (const e of env) {
    const eq = e.indexOf("=");
    const k = e.slice(0, eq), v = e.slice(eq + 1);
    if (k === "DOCKERD_ROOTLESS_ROOTLESSKIT_STATE_DIR" && v && !dir) dir = v;
    if (k === "DOCKERD_ROOTLESS_ROOTLESSKIT_FLAGS") {
      const f = flagValue(v.split(/\s+/).filter(Boolean), ["--state-dir"]);
      if (f) dir = f;
    }
  }
  return dir?.replace(/\/+$/, "") || undefined;
}
