/**
 * The one atomic file write of reactor: a temp file in the same directory, every byte written
 * (short writes are continued), fsync, rename over the target, fsync of the directory. A reader
 * sees the old file or the new one, never a torn one, also after a crash.
 *
 * @module
 */

/** Options for {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** Mode of the new file (default 0o600). */
  mode?: number;
  /** Create the parent directory with this mode when missing (default: do not create). */
  mkdirMode?: number;
  /** Keep the previous version as `<path>.bak` (a hard link, so the swap stays atomic). */
  backup?: boolean;
}

/**
 * Write `data` to `path` atomically.
 *
 * @example
 * ```ts ignore
 * await writeFileAtomic("/var/lib/reactor/hosts/default.json", '{"version":1}\n');
 * ```
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  opts: AtomicWriteOptions = {},
): Promise<void> {
  const dir = path.slice(0, Math.max(0, path.lastIndexOf("/"))) || ".";
  if (opts.mkdirMode !== undefined) {
    await Deno.mkdir(dir, { recursive: true, mode: opts.mkdirMode });
  }
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const mode = opts.mode ?? 0o600;
  const tmp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  const f = await Deno.open(tmp, { write: true, create: true, truncate: true, mode });
  try {
    let off = 0;
    while (off < bytes.length) off += await f.write(bytes.subarray(off));
    await f.sync();
  } catch (err) {
    f.close();
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
  f.close();
  try {
    // the umask may have narrowed the mode at creation
    await Deno.chmod(tmp, mode);
    if (opts.backup) await keepBackup(path);
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
  // the rename itself is durable only once the directory is synced
  const d = await Deno.open(dir, { read: true });
  try {
    await d.sync();
  } finally {
    d.close();
  }
}

async function keepBackup(path: string): Promise<void> {
  const bakTmp = `${path}.bak.tmp-${Deno.pid}`;
  await Deno.remove(bakTmp).catch(() => {});
  try {
    await Deno.link(path, bakTmp);
    await Deno.rename(bakTmp, `${path}.bak`);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err; // first write: nothing to keep
  }
}

/** Write `value` as pretty-free JSON plus a newline, atomically. */
export async function writeJsonAtomic(
  path: string,
  value: unknown,
  opts: AtomicWriteOptions = {},
): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value) + "\n", opts);
}
