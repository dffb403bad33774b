/**
 * Build the managed (v2) l2vlan plugin directory offline: `config.json` plus a `rootfs/` with
 * the deno binary (or a compiled binary of `entry.ts`), the plugin sources, iproute2 `ip`,
 * iptables (nft and legacy), and every shared library they load (from `ldd`). No registry, no
 * image: `docker plugin create l2vlan <dir>` takes it as it is.
 *
 * @module
 */
import type { PluginExec } from "./linux.ts";
import { L2vlanError } from "./protocol.ts";

/** The socket name inside the plugin (`/run/docker/plugins/<socket>`). */
export const V2_SOCKET = "l2vlan.sock";
/** State directory inside the plugin (a propagated mount: kept across restarts and upgrades). */
export const V2_STATE_DIR = "/var/lib/l2vlan";
/**
 * Capabilities the plugin asks for beyond Docker's default set (which already includes
 * CAP_NET_RAW). CAP_NET_ADMIN alone covers links, bridges, VLANs, veths and iptables-nft; see
 * the README for what was tried.
 */
export const V2_CAPABILITIES = ["CAP_NET_ADMIN"];

/** Options for {@link buildL2vlanPlugin}. */
export interface BuildOptions {
  /** Output directory (replaced). */
  out: string;
  exec: PluginExec;
  /** A `deno compile` binary of `entry.ts` to use instead of deno + sources. */
  binary?: string;
  /** The deno binary to ship (default: the running one). */
  deno?: string;
  /** Repository root (default: derived from this file). */
  root?: string;
  /** Where to look for `ip` and iptables (default the usual sbin/bin dirs). */
  searchPath?: readonly string[];
}

/** What {@link buildL2vlanPlugin} produced. */
export interface BuildResult {
  dir: string;
  rootfs: string;
  entrypoint: string[];
  files: number;
}

const SEARCH = ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin"];
const ENTRY = "lib/plugin/l2vlan/entry.ts";

/** The plugin's `config.json` for an entrypoint (pure). */
export function pluginConfig(entrypoint: readonly string[]): Record<string, unknown> {
  return {
    description: "l2vlan: containers on an external VLAN at L2, gateway-tolerant IPAM (reactor)",
    documentation: 'README.md, section "l2vlan network plugin" (reactor)',
    entrypoint: [...entrypoint, "--socket", `/run/docker/plugins/${V2_SOCKET}`],
    workdir: "/",
    env: [
      { name: "PATH", value: "/usr/sbin:/usr/bin:/sbin:/bin" },
      { name: "DENO_DIR", value: "/tmp/deno" },
      { name: "DENO_NO_UPDATE_CHECK", value: "1" },
      { name: "NO_COLOR", value: "1" },
      { name: "L2VLAN_STATE_DIR", value: V2_STATE_DIR },
      { name: "L2VLAN_LOG_LEVEL", value: "info", settable: ["value"] },
      { name: "L2VLAN_IPTABLES", value: "auto", settable: ["value"] },
    ],
    interface: {
      types: ["docker.networkdriver/1.0", "docker.ipamdriver/1.0"],
      socket: V2_SOCKET,
    },
    network: { type: "host" },
    propagatedMount: V2_STATE_DIR,
    linux: { capabilities: V2_CAPABILITIES },
  };
}

/** Absolute library paths from `ldd` output (one or several files). Throws on "not found". */
export function parseLdd(text: string): string[] {
  const out = new Set<string>();
  for (const line of text.split("\n")) {
    if (/=>\s*not found/.test(line)) {
      throw new L2vlanError(`Missing shared library: ${line.trim()}`);
    }
    const m = /=>\s*(\/\S+)\s+\(/.exec(line) ?? /^\s+(\/\S+)\s+\(/.exec(line);
    if (m) out.add(m[1]!);
  }
  return [...out].sort();
}

/** Where a host library goes in the merged-/usr rootfs (`/lib/x` → `/usr/lib/x`). */
export function rootfsPath(hostPath: string): string {
  return hostPath.replace(/^\/(lib|lib64|bin|sbin)\//, "/usr/$1/");
}

async function find(name: string, dirs: readonly string[]): Promise<string | undefined> {
  for (const d of dirs) {
    try {
      const p = `${d}/${name}`;
      if ((await Deno.stat(p)).isFile) return p;
    } catch { /* next */ }
  }
  return undefined;
}

/** Build the plugin directory. */
export async function buildL2vlanPlugin(o: BuildOptions): Promise<BuildResult> {
  const root = o.root ?? new URL("../../../", import.meta.url).pathname.replace(/\/$/, "");
  const search = o.searchPath ?? SEARCH;
  const dir = o.out.replace(/\/+$/, "");
  const rootfs = `${dir}/rootfs`;
  await Deno.remove(dir, { recursive: true }).catch((err) => {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  });
  for (const d of ["usr/bin", "usr/sbin", "usr/lib", "usr/lib64", "etc", "run/docker/plugins"]) {
    await Deno.mkdir(`${rootfs}/${d}`, { recursive: true });
  }
  for (const d of ["proc", "sys", "dev", "l2vlan", V2_STATE_DIR.slice(1)]) {
    await Deno.mkdir(`${rootfs}/${d}`, { recursive: true });
  }
  await Deno.mkdir(`${rootfs}/tmp`, { mode: 0o1777 });
  await Deno.chmod(`${rootfs}/tmp`, 0o1777);
  for (const l of ["bin", "sbin", "lib", "lib64"]) await Deno.symlink(`usr/${l}`, `${rootfs}/${l}`);
  await Deno.writeTextFile(`${rootfs}/etc/passwd`, "root:x:0:0:root:/tmp:/nonexistent\n");
  await Deno.writeTextFile(`${rootfs}/etc/group`, "root:x:0:\n");
  let files = 0;
  const copy = async (from: string, to: string, mode = 0o755) => {
    await Deno.mkdir(`${rootfs}${to.slice(0, to.lastIndexOf("/"))}`, { recursive: true });
    await Deno.copyFile(await Deno.realPath(from), `${rootfs}${to}`);
    await Deno.chmod(`${rootfs}${to}`, mode);
    files++;
  };

  // Programs.
  const elves: string[] = [];
  const ip = await find("ip", search);
  if (!ip) {
    throw new L2vlanError(
      "Cannot build the plugin: iproute2 `ip` not found (apt-get install iproute2)",
    );
  }
  await copy(ip, "/usr/sbin/ip");
  elves.push(ip);
  const nft = await find("xtables-nft-multi", search);
  if (!nft) {
    throw new L2vlanError("Cannot build the plugin: iptables not found (apt-get install iptables)");
  }
  await copy(nft, "/usr/sbin/xtables-nft-multi");
  elves.push(nft);
  for (const n of ["iptables", "iptables-nft"]) {
    await Deno.symlink("xtables-nft-multi", `${rootfs}/usr/sbin/${n}`);
  }
  const legacy = await find("xtables-legacy-multi", search);
  if (legacy) {
    await copy(legacy, "/usr/sbin/xtables-legacy-multi");
    await Deno.symlink("xtables-legacy-multi", `${rootfs}/usr/sbin/iptables-legacy`);
    elves.push(legacy);
  }
  let entrypoint: string[];
  if (o.binary) {
    await copy(o.binary, "/l2vlan/l2vlan");
    elves.push(o.binary);
    entrypoint = ["/l2vlan/l2vlan"];
  } else {
    const deno = o.deno ?? Deno.execPath();
    await copy(deno, "/l2vlan/deno");
    elves.push(deno);
    files += await copySources(o.exec, deno, root, `${rootfs}/l2vlan/src`);
    entrypoint = [
      "/l2vlan/deno",
      "run",
      "--no-prompt",
      "--no-config",
      "--no-lock",
      "--allow-all",
      `/l2vlan/src/${ENTRY}`,
    ];
  }

  // iptables extensions (dlopen'ed: ldd of the binary does not list them).
  const xtDir = `${(await Deno.realPath(await libDirOf(o.exec, nft)))}/xtables`;
  const extensions: string[] = [];
  for await (const e of Deno.readDir(xtDir)) {
    if (e.isFile && e.name.endsWith(".so")) extensions.push(`${xtDir}/${e.name}`);
  }
  for (const e of extensions) await copy(e, rootfsPath(e), 0o644);

  // Shared libraries of everything above.
  const ldd = await o.exec(["ldd", ...elves, ...extensions], {
    timeoutMs: 60_000,
    okCodes: [0, 1],
  });
  for (const lib of parseLdd(ldd.stdout)) await copy(lib, rootfsPath(lib), 0o755);

  await Deno.writeTextFile(
    `${dir}/config.json`,
    JSON.stringify(pluginConfig(entrypoint), null, 2) + "\n",
  );
  return { dir, rootfs, entrypoint, files };
}

/** The directory holding libxtables (its `xtables/` subdirectory has the extensions). */
async function libDirOf(exec: PluginExec, program: string): Promise<string> {
  const r = await exec(["ldd", program], { timeoutMs: 30_000 });
  const lib = parseLdd(r.stdout).find((p) => /\/libxtables\.so/.test(p));
  if (!lib) throw new L2vlanError(`Cannot find libxtables of ${program} in its ldd output`);
  return lib.slice(0, lib.lastIndexOf("/"));
}

/** Copy the module graph of the entry point (local files only) into `dest`. */
async function copySources(
  exec: PluginExec,
  deno: string,
  root: string,
  dest: string,
): Promise<number> {
  const r = await exec([deno, "info", "--json", `${root}/${ENTRY}`], {
    timeoutMs: 120_000,
    cwd: root,
  });
  const info = JSON.parse(r.stdout) as { modules: { specifier: string; local?: string }[] };
  let n = 0;
  for (const m of info.modules) {
    if (!m.specifier.startsWith(`file://${root}/`)) {
      throw new L2vlanError(
        `The plugin entry imports ${m.specifier}: keep ${ENTRY} free of npm:/jsr:/remote imports so the rootfs runs offline`,
      );
    }
    const rel = decodeURIComponent(m.specifier.slice(`file://${root}/`.length));
    await Deno.mkdir(`${dest}/${rel.slice(0, rel.lastIndexOf("/"))}`, { recursive: true });
    await Deno.copyFile(`${root}/${rel}`, `${dest}/${rel}`);
    n++;
  }
  return n;
}
