/**
 * Getting a rendered config onto disk safely: check it with `haproxy -c -f` from a candidate file
 * beside the target, then write it *in place* (same inode, so a single-file bind mount into a
 * HAProxy container keeps seeing it), and keep a copy of the last config that was applied.
 *
 * @module
 */
import { CommandError, oneLine } from "../errors.ts";
import type { Run } from "../exec/run.ts";
import { writeFileAtomic } from "../util/atomic_write.ts";

/** Files beside the config. */
export function sideFiles(
  configFile: string,
): { candidate: string; rejected: string; lastGood: string } {
  return {
    candidate: `${configFile}.candidate`,
    rejected: `${configFile}.rejected`,
    lastGood: `${configFile}.last-good`,
  };
}

/**
 * Write `text` into the existing file at `path` (created 0644 when missing): bytes from offset
 * 0, then truncate to the new length, then fsync. The inode stays the same.
 *
 * @example
 * ```ts ignore
 * await writeInPlace("/etc/haproxy/haproxy.cfg", text);
 * ```
 */
export async function writeInPlace(path: string, text: string): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  const f = await Deno.open(path, { write: true, create: true, mode: 0o644 });
  try {
    let off = 0;
    while (off < bytes.length) off += await f.write(bytes.subarray(off));
    await f.truncate(bytes.length);
    await f.sync();
  } finally {
    f.close();
  }
}

/** Read a file, or undefined when it does not exist. */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
}

/** Outcome of {@link validateConfig}. */
export type Validation = { ok: true } | { ok: false; detail: string };

/**
 * Check `text` with `haproxy -c -f <configFile>.candidate`. A rejected candidate is kept as
 * `<configFile>.rejected` for inspection; an accepted one is removed.
 */
export async function validateConfig(
  exec: Run,
  opts: { configFile: string; text: string; haproxy?: string },
): Promise<Validation> {
  const { candidate, rejected } = sideFiles(opts.configFile);
  await writeFileAtomic(candidate, opts.text, { mode: 0o600 });
  try {
    await exec([opts.haproxy ?? "haproxy", "-c", "-f", candidate], { timeoutMs: 60_000 });
  } catch (err) {
    await Deno.rename(candidate, rejected).catch(() => {});
    return { ok: false, detail: describeCheckFailure(err, rejected) };
  }
  await Deno.remove(candidate).catch(() => {});
  return { ok: true };
}

function describeCheckFailure(err: unknown, rejected: string): string {
  if (err instanceof CommandError && err.reason === "exit") {
    const alerts = `${err.stderr}\n${err.stdout}`.split("\n").filter((l) => /\[ALERT\]/.test(l))
      .map((l) => l.replace(/^\[ALERT\]\s*(\(\d+\)\s*)?:\s*/, ""));
    const detail = oneLine(alerts.length ? alerts.join("\n") : err.stderr || err.stdout);
    return `haproxy -c rejected it (kept as ${rejected}): ${detail}`;
  }
  return (err as Error).message;
}
