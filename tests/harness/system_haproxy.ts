/**
 * Test harness: a private HAProxy at Debian's default paths, for running reactor with settings
 * left at their defaults (a Glue `lb.ini` with no `[params]`): inside a private mount namespace
 * `/etc/haproxy` and `/run/haproxy` are one temp dir, and `systemctl reload haproxy` (found
 * first on the PATH given to reactor) sends SIGUSR2 to this HAProxy's master. HAProxy and
 * reactor both run in the namespace; the machine's own HAProxy files are never touched.
 *
 * @module
 */
import { balancerModel } from "../../lib/haproxy/labels.ts";
import { builtinRenderer, renderConfig } from "../../lib/haproxy/render.ts";
import { startHaproxy, type TestHaproxy } from "./haproxy.ts";
import { type MountNs, privateMountNs } from "./mount_ns.ts";
import { ROOT, startProcess, type TestProcess } from "./process.ts";

/** The default paths of the HAProxy settings (what the sandbox redirects). */
export const DEFAULT_CONFIG_FILE = "/etc/haproxy/haproxy.cfg";
export const DEFAULT_STATS_SOCKET = "/run/haproxy/admin.sock";

/** A sandboxed HAProxy at the default paths. */
export interface SystemHaproxy {
  /** The HAProxy (its `configFile`, `api`, … are the paths outside the namespace). */
  readonly haproxy: TestHaproxy;
  readonly ns: MountNs;
  /** The `systemctl` calls so far, one line each (`reload haproxy`). */
  systemctlCalls(): Promise<string[]>;
  /** Start `reactor <args>` (from the repo) inside the namespace, with the `systemctl` stand-in. */
  reactor(args: string[], env?: Record<string, string>): TestProcess;
  close(): Promise<void>;
}

const SYSTEMCTL = (log: string) =>
  `#!/bin/sh
# Test stand-in for systemctl: "reload haproxy" sends SIGUSR2 to the sandboxed HAProxy's master
# (what Debian's haproxy.service does on reload).
echo "$*" >> ${log}
[ "$*" = "reload haproxy" ] || { echo "test systemctl knows only 'reload haproxy', got: $*" >&2; exit 1; }
exec kill -USR2 "$(cat /run/haproxy/haproxy.pid)"
`;

/**
 * Start HAProxy in a private mount namespace where `/etc/haproxy` and `/run/haproxy` are a temp
 * dir. Its first config is the built-in template with no containers plus a comment, so reactor's
 * first apply is a real reload.
 */
export async function startSystemHaproxy(): Promise<SystemHaproxy> {
  try {
    await Deno.stat("/etc/haproxy");
  } catch {
    throw new Error("Cannot sandbox /etc/haproxy: it does not exist — apt-get install haproxy");
  }
  const root = await Deno.makeTempDir({ prefix: "rx-syshaproxy-" });
  const dir = `${root}/haproxy`;
  const log = `${root}/systemctl.log`;
  let ns: MountNs | undefined;
  try {
    await Deno.mkdir(dir);
    await Deno.mkdir(`${root}/bin`);
    await Deno.writeTextFile(`${root}/bin/systemctl`, SYSTEMCTL(log), { mode: 0o755 });
    await Deno.chmod(`${root}/bin/systemctl`, 0o755);
    ns = await privateMountNs();
    await ns.tmpfs("/run");
    await ns.mkdir("/run/haproxy");
    await ns.bind(dir, "/run/haproxy");
    await ns.bind(dir, "/etc/haproxy");
    const initial = await renderConfig(
      builtinRenderer(),
      balancerModel([], { statsSocket: DEFAULT_STATS_SOCKET }).model,
    );
    const haproxy = await startHaproxy(
      () => `# the test's initial config\n${initial}`,
      { dir, prefix: ns.prefix },
    );
    const space = ns;
    return {
      haproxy,
      ns: space,
      systemctlCalls: async () =>
        (await Deno.readTextFile(log).catch(() => "")).split("\n").filter(Boolean),
      reactor: (args, env = {}) =>
        startProcess([...space.prefix, Deno.execPath(), "run", "-A", `${ROOT}/main.ts`, ...args], {
          PATH: `${root}/bin:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`,
          ...env,
        }),
      close: async () => {
        await haproxy.close();
        await space.close();
        await Deno.remove(root, { recursive: true }).catch(() => {});
      },
    };
  } catch (err) {
    await ns?.close();
    await Deno.remove(root, { recursive: true }).catch(() => {});
    throw err;
  }
}
