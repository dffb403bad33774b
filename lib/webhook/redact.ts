/**
 * Keeping webhook secrets out of logs and errors. Header values and the URL's path and query
 * (Slack-style URLs carry the token in the path) are secrets; logs name only the origin, the
 * header names, and messages are scrubbed of every secret string before they are logged.
 *
 * @module
 */

/** What replaces a secret. */
export const REDACTED = "[redacted]";

/**
 * The part of a URL that is safe to log: scheme, host and port.
 *
 * @example
 * ```ts
 * import { redactUrl } from "./redact.ts";
 * redactUrl("https://hooks.example.com/services/T0/B0/secret?x=1"); // "https://hooks.example.com"
 * ```
 */
export function redactUrl(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return REDACTED;
  }
}

/**
 * Header names with every value replaced.
 *
 * @example
 * ```ts
 * import { redactHeaders } from "./redact.ts";
 * redactHeaders({ authorization: "Bearer s3cret" }); // { authorization: "[redacted]" }
 * ```
 */
export function redactHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.keys(headers).map((k) => [k, REDACTED]));
}

/**
 * Replace every occurrence of each secret in `text` (longest first, so a secret that contains
 * another is removed whole). Secrets shorter than 4 characters are left alone: they would
 * mangle ordinary words and are not worth hiding.
 *
 * @example
 * ```ts
 * import { scrubSecrets } from "./redact.ts";
 * scrubSecrets("error for url (https://h/x?token=abcd)", ["https://h/x?token=abcd"]);
 * // "error for url ([redacted])"
 * ```
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  const list = [...new Set(secrets)].filter((s) => s.length >= 4).sort((a, b) =>
    b.length - a.length
  );
  for (const s of list) out = out.split(s).join(REDACTED);
  return out;
}

/**
 * The strings of a URL that must not be logged: the whole URL, its path-and-query, and each
 * path segment and query value long enough to be a token.
 *
 * @example
 * ```ts
 * import { urlSecrets } from "./redact.ts";
 * urlSecrets("https://h/services/T0/XYZsecret").includes("XYZsecret"); // true
 * ```
 */
export function urlSecrets(url: string): string[] {
  const out = [url];
  try {
    const u = new URL(url);
    const rest = `${u.pathname}${u.search}`;
    if (rest !== "/") out.push(rest, u.href);
    for (const seg of u.pathname.split("/")) if (seg.length >= 8) out.push(seg);
    for (const v of u.searchParams.values()) if (v.length >= 8) out.push(v);
  } catch { /* not a URL: the whole string is the secret */ }
  return out;
}
