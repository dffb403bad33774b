/**
 * The l2vlan state's JSON files: written with reactor's one atomic write (keeping a `.bak`),
 * read back falling to the backup when the file is corrupt.
 *
 * @module
 */
import { writeFileAtomic } from "../../util/atomic_write.ts";

/** Options for {@link writeJsonAtomic}. */
export interface WriteJsonOptions {
  /** Keep the previous version as `<path>.bak` (a hard link, so the swap stays atomic). */
  backup?: boolean;
  /** File mode (default 0600). */
  mode?: number;
}

/** Write `value` as JSON to `path` atomically (see `lib/util/atomic_write.ts`). */
export async function writeJsonAtomic(
  path: string,
  value: unknown,
  opts: WriteJsonOptions = {},
): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 1) + "\n", {
    mode: opts.mode ?? 0o600,
    mkdirMode: 0o700,
    backup: opts.backup,
  });
}

/** Result of {@link readJsonWithBackup}. */
export interface ReadJsonResult<T> {
  /** The value, unless neither the file nor the backup was usable. */
  value?: T;
  /** `file`, `backup` (file corrupt), `new` (no file) or `empty` (both unusable). */
  source: "file" | "backup" | "new" | "empty";
  /** One line to log when something was wrong. */
  warning?: string;
}

async function readValidated<T>(path: string, validate: (v: unknown) => T): Promise<T> {
  return validate(JSON.parse(await Deno.readTextFile(path)));
}

/**
 * Read a JSON file written by {@link writeJsonAtomic} with `backup`. A corrupt file is moved
 * aside (`<path>.corrupt-<time>`) and the backup is used instead.
 */
export async function readJsonWithBackup<T>(
  path: string,
  validate: (v: unknown) => T,
): Promise<ReadJsonResult<T>> {
  let problem: string;
  try {
    return { value: await readValidated(path, validate), source: "file" };
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      // A crash cannot leave only the backup, but an operator may have removed the file.
      try {
        const value = await readValidated(`${path}.bak`, validate);
        return {
          value,
          source: "backup",
          warning: `State file ${path} is missing: using ${path}.bak`,
        };
      } catch {
        return { source: "new" };
      }
    }
    problem = (err as Error).message;
  }
  const aside = await freeName(`${path}.corrupt-${Date.now()}`);
  await Deno.rename(path, aside).catch(() => {});
  try {
    const value = await readValidated(`${path}.bak`, validate);
    return {
      value,
      source: "backup",
      warning: `State file ${path} is unusable (${problem}): moved to ${aside}, using ${path}.bak`,
    };
  } catch (err) {
    const why = err instanceof Deno.errors.NotFound ? "no backup" : (err as Error).message;
    return {
      source: "empty",
      warning:
        `State file ${path} is unusable (${problem}) and ${path}.bak too (${why}): moved to ${aside}, starting empty — allocations of running containers are unknown until they are recreated`,
    };
  }
}

/** `base`, or `base-1`, `base-2`, … : the first name not taken (a rename would overwrite). */
async function freeName(base: string): Promise<string> {
  for (let i = 0;; i++) {
    const name = i ? `${base}-${i}` : base;
    try {
      await Deno.lstat(name);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return name;
      throw err;
    }
  }
}
