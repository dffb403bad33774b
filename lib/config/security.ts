/**
 * reactor runs as root and executes what its config says: refuse config files and script
 * directories that someone other than root could change.
 *
 * @module
 */

/** Options for {@link checkOwnership}. */
export interface OwnershipOptions {
  /** Default: `Deno.uid() === 0`. The check only applies to root. */
  isRoot?: boolean;
  /** `--insecure-config`: skip the check. */
  insecure?: boolean;
}

/**
 * Return a problem line when `path` (a config file or scripts dir) is writable by group or
 * others, or not owned by root, while reactor runs as root. `undefined` when fine.
 */
export async function checkOwnership(
  path: string,
  what: "config file" | "scripts dir",
  opts: OwnershipOptions = {},
): Promise<string | undefined> {
  const isRoot = opts.isRoot ?? Deno.uid() === 0;
  if (!isRoot || opts.insecure) return undefined;
  let st: Deno.FileInfo;
  try {
    st = await Deno.stat(path);
  } catch {
    return undefined; // a missing path is reported by whoever reads it
  }
  const mode = (st.mode ?? 0) & 0o7777;
  const problems: string[] = [];
  if (st.uid !== 0) problems.push(`is owned by uid ${st.uid}, not root`);
  if (mode & 0o022) {
    problems.push(
      `is writable by ${mode & 0o020 ? "group" : ""}${(mode & 0o022) === 0o022 ? " and " : ""}${
        mode & 0o002 ? "others" : ""
      } (mode ${mode.toString(8).padStart(4, "0")})`,
    );
  }
  if (!problems.length) return undefined;
  return `${path}: refusing ${what} that ${
    problems.join(" and ")
  }: anyone able to change it runs ` +
    `commands as root — run \`chown root:root ${path} && chmod go-w ${path}\`, or pass --insecure-config`;
}

/**
 * The directory holding a config file: refused (as root) when someone other than root could
 * replace the file in it — a directory not owned by root, or writable by group/others without
 * the sticky bit. `undefined` when fine.
 */
export async function checkConfigDir(
  file: string,
  opts: OwnershipOptions = {},
): Promise<string | undefined> {
  const isRoot = opts.isRoot ?? Deno.uid() === 0;
  if (!isRoot || opts.insecure) return undefined;
  const dir = file.slice(0, file.lastIndexOf("/")) || "/";
  let st: Deno.FileInfo;
  try {
    st = await Deno.stat(dir);
  } catch {
    return undefined;
  }
  const mode = (st.mode ?? 0) & 0o7777;
  const sticky = (mode & 0o1000) !== 0;
  let why = "";
  if (st.uid !== 0) why = `is owned by uid ${st.uid}, not root`;
  else if (mode & 0o022 && !sticky) {
    why = `is writable by group or others (mode ${mode.toString(8).padStart(4, "0")})`;
  }
  if (!why) return undefined;
  return `${file}: refusing config file whose directory ${dir} ${why}: anyone able to write ` +
    `there can replace the config — move it to a root-owned directory (e.g. /etc/reactor) or ` +
    `\`chmod go-w ${dir}\`, or pass --insecure-config`;
}
