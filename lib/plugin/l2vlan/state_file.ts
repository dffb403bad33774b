/**
 * Atomic JSON files for the l2vlan state. Kept in this one small file so a shared
 * `writeJsonAtomic` in `lib/util/` can replace it later without touching the plugin.
 *
 * @module
 */

/** Options for {@link writeJsonAtomic}. */
export interface WriteJsonOptions {
  /** Keep the previous version as `<path>.bak` (a hard link, so the swap stays atomic). */
  backup?: boolean;
  /** File mode (default 0600). */
  mode?: number;
}

/**
 * Write `value` as JSON to `path` atomically: temp file in the same directory, write loop that
 * handles short writes, fsync, rename over the target, fsync of the directory. Readers see the
 * old or the new content, never a mix, even after a crash.
 */
export async function writeJsonAtomic(
  path: string,
  value: unknown,
  opts: WriteJsonOptions = {},
): Promise<void> {
  const dir = path.slice(0, path.lastIndexOf("/")) || "/";
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  const data = new TextEncoder().encode(JSON.stringify(value, null, 1) + "\n");
  const f = await Deno.open(tmp, {
    write: true,
    create: true,
    truncate: true,
    mode: opts.mode ?? 0o600,
  });
  try {
    let off = 0;
    while (off < data.length) off += await f.write(data.subarray(off));
    await f.sync();
  } catch (err) {
    f.close();
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
  f.close();
  if (opts.backup) {
    const bakTmp = `${path}.bak.tmp-${Deno.pid}`;
    await Deno.remove(bakTmp).catch(() => {});
    try {
      await Deno.link(path, bakTmp);
      await Deno.rename(bakTmp, `${path}.bak`);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err; // first write: nothing to keep
    }
  }
  await Deno.rename(tmp, path);
  const d = await Deno.open(dir, { read: true });
  try {
    await d.sync();
  } finally {
    d.close();
  }
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
  const aside = `${path}.corrupt-${Date.now()}`;
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
