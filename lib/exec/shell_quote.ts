/**
 * Show an argv the way an operator would type it: POSIX shell quoting, one line. Used in log
 * lines, error messages and `reactor simulate` — never to build a command (reactor never runs a
 * shell; argv arrays go to `exec()` as they are).
 *
 * @module
 */

const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

/**
 * Quote one word: as is when it holds only safe characters, else in single quotes; a word with
 * control characters (a newline in a label) uses `$'…'` so the result stays on one line.
 *
 * @example
 * ```ts
 * import { quoteWord } from "./shell_quote.ts";
 * quoteWord("10.1.0.0/24"); // 10.1.0.0/24
 * quoteWord("it's"); // 'it'\''s'
 * ```
 */
export function quoteWord(word: string): string {
  if (word === "") return "''";
  if (PLAIN.test(word)) return word;
  if (!CONTROL.test(word)) return `'${word.replaceAll("'", `'\\''`)}'`;
  let out = "";
  for (const ch of word) {
    const c = ch.charCodeAt(0);
    if (ch === "\\" || ch === "'") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return `$'${out}'`;
}

/**
 * An argv as one shell-quoted line (`ip route add 10.1.0.0/24 dev eth0`).
 *
 * @example
 * ```ts
 * import { shellQuote } from "./shell_quote.ts";
 * shellQuote(["sh", "-c", "echo hi"]); // sh -c 'echo hi'
 * ```
 */
export function shellQuote(argv: readonly string[]): string {
  return argv.map(quoteWord).join(" ");
}
