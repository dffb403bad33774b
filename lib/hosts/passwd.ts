/**
 * Users from `/etc/passwd` (for `managed.user`: the daemon's uid, gid and home).
 *
 * @module
 */

/** uid, gid and home of `user` from /etc/passwd, or undefined. */
export function passwdEntry(user: string): { uid: number; gid: number; home: string } | undefined {
  try {
    for (const line of Deno.readTextFileSync("/etc/passwd").split("\n")) {
      const f = line.split(":");
      if (f[0] === user) return { uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? "/" };
    }
  } catch { /* unreadable */ }
  return undefined;
}

/** Home directory of `user` from /etc/passwd. */
export function passwdHome(user: string): string | undefined {
  const home = passwdEntry(user)?.home;
  return home || undefined;
}
