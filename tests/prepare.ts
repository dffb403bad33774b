/**
 * Test prerequisites. `deno task test` runs this first so that one command passes the whole
 * suite on a fresh Debian machine: missing programs are installed with apt-get (as root), or a
 * one-line message says exactly what to install.
 */
import { exec } from "../lib/exec/run.ts";

/** Program → Debian package that provides it. */
export const REQUIRED: Record<string, string> = {
  dockerd: "docker.io",
  docker: "docker.io",
  busybox: "busybox-static",
  ip: "iproute2",
  iptables: "iptables",
  nsenter: "util-linux",
  curl: "curl",
  tar: "tar",
  "systemd-analyze": "systemd",
  sshd: "openssh-server",
  ssh: "openssh-client",
  openssl: "openssl",
  rootlesskit: "rootlesskit",
  slirp4netns: "slirp4netns",
  newuidmap: "uidmap",
  setfacl: "acl",
  setpriv: "util-linux",
  haproxy: "haproxy",
  etcd: "etcd-server",
  etcdctl: "etcd-client",
  prometheus: "prometheus",
  promtool: "prometheus",
  crudini: "crudini",
  "docker-compose": "docker-compose",
};

async function has(program: string): Promise<boolean> {
  for (
    const dir of ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]
  ) {
    try {
      await Deno.stat(`${dir}/${program}`);
      return true;
    } catch { /* next */ }
  }
  return false;
}

if (import.meta.main) {
  const missing = new Set<string>();
  for (const [prog, pkg] of Object.entries(REQUIRED)) {
    if (!(await has(prog))) missing.add(pkg);
  }
  if (missing.size > 0) {
    const pkgs = [...missing].sort();
    if (Deno.uid() !== 0) {
      // deno-lint-ignore no-console
      console.error(
        `tests need root and these Debian packages: apt-get install -y ${pkgs.join(" ")}`,
      );
      Deno.exit(1);
    }
    // deno-lint-ignore no-console
    console.error(`installing test prerequisites: ${pkgs.join(" ")}`);
    const env = { DEBIAN_FRONTEND: "noninteractive" };
    await exec(["apt-get", "update", "-qq"], { env, timeoutMs: 600_000 });
    await exec(["apt-get", "install", "-y", "-qq", "--no-install-recommends", ...pkgs], {
      env,
      timeoutMs: 1_200_000,
    });
  }
  if (Deno.uid() !== 0) {
    // deno-lint-ignore no-console
    console.error("tests need root: they start a private dockerd and enter network namespaces");
    Deno.exit(1);
  }
}
