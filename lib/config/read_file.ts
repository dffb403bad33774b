/**
 * Reading a config file safely: only a regular file is read (a directory, FIFO, socket or
 * device gets a message saying what it is and what to pass instead; a FIFO is never opened, so
 * reading never hangs), and its size is capped.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";

/** Largest config file reactor reads (bytes). */
export const MAX_CONFIG_BYTES = 32 << 20;

/** What a non-regular file is, for messages; undefined for a regular file. */
export function notAFile(st: Deno.FileInfo): string | undefined {
  if (st.isFile) return undefined;
  if (st.isDirectory) return "is a directory";
  if (st.isFifo) return "is a FIFO (named pipe)";
  if (st.isSocket) return "is a socket";
  if (st.isCharDevice || st.isBlockDevice) return "is a device";
  return "is not a regular file";
}

/** The fix for a config path that is not a regular file. */
export function notAFileFix(path: string, what: string): string {
  return what === "is a directory"
    ? `pass a file inside it, e.g. --config ${path.replace(/\/+$/, "")}/reactor.yaml`
    : "pass a regular file (.yaml, .yml or .ts)";
}

/** Read a config file's text, refusing anything but a regular file of sane size. */
export async function readConfigText(path: string): Promise<string> {
  const st = await Deno.stat(path);
  const what = notAFile(st);
  if (what) {
    throw new ConfigError([`${path}: ${what}, not a config file — ${notAFileFix(path, what)}`]);
  }
  if (st.size > MAX_CONFIG_BYTES) {
    throw new ConfigError([
      `${path}: the file is ${st.size} bytes; reactor reads config files up to ${MAX_CONFIG_BYTES} bytes — split it or remove generated content`,
    ]);
  }
  return await Deno.readTextFile(path);
}
