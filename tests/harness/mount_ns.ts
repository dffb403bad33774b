/**
 * Test harness: a private mount namespace, so a program can run with its real default paths
 * (`/etc/haproxy/haproxy.cfg`, `/run/haproxy/admin.sock`, `systemctl`) while they point into the
 * test's temp dirs, and nothing of the machine is touched. The namespace is kept alive by a bind
 * mount of its ns file (no process has to stay in it); commands run inside through
 * `nsenter --mount=<file>` (it execs them: same pid, signals reach them directly). Root only.
 *
 * @module
 */
import { exec } from "../../lib/exec/run.ts";

/** A private mount namespace. */
export interface MountNs {
  /** Prefix an argv with this to run it inside: `[...ns.prefix, "haproxy", "-W", …]`. */
  readonly prefix: readonly string[];
  /** Inside only: bind `source` (a path outside) on `target` (which must exist inside). */
  bind(source: string, target: string): Promise<void>;
  /** Inside only: an empty tmpfs on `target`. */
  tmpfs(target: string): Promise<void>;
  /** `mkdir -p` inside (e.g. a mount point on a tmpfs). */
  mkdir(path: string): Promise<void>;
  /** Unmount everything and remove the ns file. */
  close(): Promise<void>;
}

async function run(argv: string[]): Promise<void> {
  await exec(argv, { timeoutMs: 30_000 });
}

/** Create a private mount namespace (a copy of the current mounts, private propagation). */
export async function privateMountNs(): Promise<MountNs> {
  const dir = await Deno.makeTempDir({ prefix: "rx-mntns-" });
  const file = `${dir}/mnt`;
  const steps: string[] = [];
  try {
    // the ns file must live on a private mount, else the namespace would hold itself
    await run(["mount", "--bind", dir, dir]);
    steps.push("bind");
    await run(["mount", "--make-private", dir]);
    await Deno.writeTextFile(file, "");
    await run(["unshare", `--mount=${file}`, "--propagation", "private", "true"]);
    steps.push("ns");
  } catch (err) {
    await cleanup(dir, file, steps);
    throw new Error(`Cannot create a private mount namespace: ${(err as Error).message}`);
  }
  const prefix = ["nsenter", `--mount=${file}`, "--"];
  return {
    prefix,
    bind: (source, target) => run([...prefix, "mount", "--bind", source, target]),
    tmpfs: (target) => run([...prefix, "mount", "-t", "tmpfs", "-o", "mode=755", "tmpfs", target]),
    mkdir: (path) => run([...prefix, "mkdir", "-p", path]),
    close: () => cleanup(dir, file, steps),
  };
}

async function cleanup(dir: string, file: string, steps: string[]): Promise<void> {
  // unmounting the ns file drops the namespace (and its mounts) once no process is in it
  if (steps.includes("ns")) await exec(["umount", file], { okCodes: [0, 32] }).catch(() => {});
  if (steps.includes("bind")) await exec(["umount", dir], { okCodes: [0, 32] }).catch(() => {});
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}
