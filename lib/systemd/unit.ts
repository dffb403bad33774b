/**
 * Rendering of reactor's systemd service unit (pure).
 *
 * @module
 */

/** Options for {@link renderUnit}. */
export interface UnitOptions {
  /** Full command line: program (absolute path) and arguments. */
  execStart: readonly string[];
  /** reactor's state directory (absolute). */
  stateDir: string;
  description?: string;
  /** Seconds between restarts (default 2). */
  restartSec?: number;
  /** `Environment=` entries (e.g. `DENO_DIR` when running from a checkout). */
  environment?: Readonly<Record<string, string>>;
  /** `WorkingDirectory=` (absolute). */
  workingDirectory?: string;
}

const PLAIN = /^[A-Za-z0-9_@+=:,./-]+$/;

/**
 * Quote one ExecStart word for systemd: `%` → `%%` (specifiers) and `$` → `$$` (environment
 * expansion) always; words with other characters are double-quoted with C-style escapes.
 */
export function systemdQuote(word: string): string {
  const escaped = word.replaceAll("%", "%%").replaceAll("$", "$$$$");
  if (escaped.length > 0 && PLAIN.test(word.replaceAll("%", "").replaceAll("$", ""))) {
    return escaped;
  }
  const inner = escaped
    .replaceAll("\\", "\\\\")
    .replaceAll('"', '\\"')
    .replaceAll("\n", "\\n")
    .replaceAll("\t", "\\t");
  return `"${inner}"`;
}

/** Render the ExecStart value. The program must be an absolute path. */
export function renderExecStart(argv: readonly string[]): string {
  const prog = argv[0];
  if (!prog || !prog.startsWith("/")) {
    throw new TypeError(`ExecStart needs an absolute program path, got ${JSON.stringify(prog)}`);
  }
  return argv.map(systemdQuote).join(" ");
}

/** The unit lines that give a service its (absolute) state directory. */
function stateDirLines(dir: string): string[] {
  const stateDir = dir.replace(/\/+$/, "");
  if (!stateDir.startsWith("/")) {
    throw new TypeError(`State directory must be absolute: ${stateDir}`);
  }
  return stateDir.startsWith("/var/lib/")
    ? [`StateDirectory=${stateDir.slice("/var/lib/".length)}`, "StateDirectoryMode=0700"]
    : [`ReadWritePaths=-${systemdQuote(stateDir)}`];
}

/**
 * Render `reactor.service`.
 *
 * Hardening is deliberately minimal: reactor (and the per-container scripts it runs) must keep
 * full root capabilities to `setns()` into containers (CAP_SYS_ADMIN), read other users'
 * `/proc/<pid>/ns/*` (CAP_SYS_PTRACE) and change routes (CAP_NET_ADMIN), see host pids, and may
 * need kernel modules for `ip link add`. So no PrivateNetwork, PrivateUsers, ProtectKernel*,
 * RestrictNamespaces, CapabilityBoundingSet or PrivatePIDs. What remains is harmless to that.
 */
export function renderUnit(o: UnitOptions): string {
  const stateLines = stateDirLines(o.stateDir);
  return [
    "# Written by `reactor install`. Re-run it to update; local changes: `systemctl edit reactor`.",
    "[Unit]",
    `Description=${(o.description ?? "reactor: Docker event reactor").replaceAll("%", "%%")}`,
    "After=docker.service network-online.target",
    "Wants=docker.service network-online.target",
    "StartLimitIntervalSec=0",
    "",
    "[Service]",
    "Type=exec",
    ...Object.entries(o.environment ?? {}).map(([k, v]) =>
      `Environment=${systemdQuote(`${k}=${v}`)}`
    ),
    ...(o.workingDirectory ? [`WorkingDirectory=${systemdQuote(o.workingDirectory)}`] : []),
    `ExecStart=${renderExecStart(o.execStart)}`,
    "Restart=always",
    `RestartSec=${o.restartSec ?? 2}`,
    "TimeoutStopSec=30",
    "KillMode=mixed",
    ...stateLines,
    "UMask=0077",
    "# Minimal hardening compatible with nsenter(1)/ip(8) as root (see reactor's docs).",
    "NoNewPrivileges=yes",
    "ProtectSystem=full",
    "ProtectHome=read-only",
    "LockPersonality=yes",
    "RestrictRealtime=yes",
    "RestrictSUIDSGID=yes",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

/**
 * Capabilities the l2vlan plugin unit keeps (its bounding set; every other one is dropped):
 * CAP_NET_ADMIN creates bridges, VLAN sub-interfaces and veths, enslaves and moves links, and
 * changes nftables rules (iptables-nft); CAP_NET_RAW is what iptables-legacy additionally needs
 * (it talks to the kernel through a raw socket). Nothing else was needed when tried.
 */
export const L2VLAN_CAPABILITIES = ["CAP_NET_ADMIN", "CAP_NET_RAW"] as const;

/**
 * Render `reactor-l2vlan.service`: the legacy (v1) l2vlan plugin on the host. Ordered before
 * docker.service (dockerd waits up to 30 s for a plugin socket of a persisted network), root
 * with only {@link L2VLAN_CAPABILITIES}, host network namespace (it manages host links).
 */
export function renderL2vlanUnit(o: UnitOptions): string {
  const stateLines = stateDirLines(o.stateDir);
  return [
    "# Written by `reactor install --plugin l2vlan`. Re-run it to update.",
    "[Unit]",
    `Description=${
      (o.description ?? "l2vlan Docker network and IPAM plugin (reactor)").replaceAll("%", "%%")
    }`,
    "Before=docker.service",
    "After=network-online.target",
    "Wants=network-online.target",
    "StartLimitIntervalSec=0",
    "",
    "[Service]",
    "Type=exec",
    `ExecStart=${renderExecStart(o.execStart)}`,
    "Restart=always",
    `RestartSec=${o.restartSec ?? 1}`,
    "TimeoutStopSec=20",
    "KillMode=mixed",
    ...stateLines,
    "UMask=0077",
    `CapabilityBoundingSet=${L2VLAN_CAPABILITIES.join(" ")}`,
    "NoNewPrivileges=yes",
    "ProtectSystem=full",
    "ProtectHome=read-only",
    "PrivateTmp=yes",
    "ProtectKernelTunables=yes",
    "ProtectKernelModules=yes",
    "ProtectControlGroups=yes",
    "RestrictNamespaces=yes",
    "RestrictAddressFamilies=AF_UNIX AF_NETLINK AF_INET AF_INET6",
    "LockPersonality=yes",
    "RestrictRealtime=yes",
    "RestrictSUIDSGID=yes",
    "SystemCallArchitectures=native",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}
