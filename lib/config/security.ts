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
