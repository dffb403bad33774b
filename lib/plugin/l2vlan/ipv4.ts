/**
 * IPv4 arithmetic for the l2vlan IPAM: addresses as unsigned 32-bit numbers, CIDR parsing and
 * the `02:42:` + IPv4 MAC scheme Docker's bridge and macvlan drivers use.
 *
 * @module
 */

/** A parsed IPv4 prefix. `network` is the first address (host bits cleared). */
export interface Cidr {
  /** Network address as an unsigned 32-bit number. */
  readonly network: number;
  /** Prefix length 0..32. */
  readonly prefix: number;
}

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Parse a dotted-quad address, or undefined when it is not one. */
export function parseIp(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => OCTET.test(p))) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

/** Format an unsigned 32-bit number as a dotted quad. */
export function formatIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** Netmask of a prefix length as an unsigned 32-bit number. */
function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/**
 * Parse `a.b.c.d/nn`. Host bits are cleared unless `strict`, where they make it invalid.
 * Returns undefined for anything that is not an IPv4 prefix.
 */
export function parseCidr(text: string, strict = false): Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text);
  if (!m) return undefined;
  const ip = parseIp(m[1]!);
  const prefix = Number(m[2]);
  if (ip === undefined || prefix > 32) return undefined;
  const network = (ip & mask(prefix)) >>> 0;
  if (strict && network !== ip) return undefined;
  return { network, prefix };
}

/** `a.b.c.d/nn` of a prefix. */
export function formatCidr(c: Cidr): string {
  return `${formatIp(c.network)}/${c.prefix}`;
}

/** Number of addresses in the prefix. */
export function size(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

/** Last address of the prefix (the broadcast address for prefixes up to /30). */
export function lastIp(c: Cidr): number {
  return c.network + size(c) - 1;
}

/** True when `ip` lies inside `c`. */
export function contains(c: Cidr, ip: number): boolean {
  return ip >= c.network && ip <= lastIp(c);
}

/** True when the two prefixes share at least one address. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.network <= lastIp(b) && b.network <= lastIp(a);
}

/** True when `inner` lies completely inside `outer`. */
export function within(inner: Cidr, outer: Cidr): boolean {
  return contains(outer, inner.network) && contains(outer, lastIp(inner));
}

/**
 * True for the network and broadcast address of a master pool up to /30: never handed out.
 * (/31 and /32 pools have no such addresses.)
 */
export function isReserved(pool: Cidr, ip: number): boolean {
  return pool.prefix <= 30 && (ip === pool.network || ip === lastIp(pool));
}

/**
 * The stable MAC for an address: `02:42:` followed by the four IPv4 bytes (the scheme of
 * Docker's `GenerateMACFromIP`), so a container keeps its MAC across restarts and the external
 * router's ARP cache stays valid.
 */
export function macFromIp(ip: number): string {
  const bytes = [0x02, 0x42, ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255];
  return bytes.map((b) => b.toString(16).padStart(2, "0")).join(":");
}
