/**
 * NDJSON framing for `/events`: tolerates torn chunks, several lines per chunk, `\r\n`, blank
 * lines and RFC 7464 record separators (0x1E).
 *
 * @module
 */

/** Incremental line splitter. Feed decoded text with {@link push}; call {@link flush} at EOF. */
export class NdjsonSplitter {
  #buf = "";
  /** Maximum bytes of one line before it is dropped (protects memory from a broken peer). */
  readonly maxLine: number;

  constructor(maxLine = 4 << 20) {
    this.maxLine = maxLine;
  }

  /** Add text; returns the complete, non-empty lines it finished. */
  push(text: string): string[] {
    this.#buf += text;
    const out: string[] = [];
    let i: number;
    while ((i = this.#buf.indexOf("\n")) >= 0) {
      const line = clean(this.#buf.slice(0, i));
      this.#buf = this.#buf.slice(i + 1);
      if (line) out.push(line);
    }
    if (this.#buf.length > this.maxLine) this.#buf = "";
    return out;
  }

  /** Return a final unterminated line, if any (a stream that ended mid-line). */
  flush(): string[] {
    const line = clean(this.#buf);
    this.#buf = "";
    return line ? [line] : [];
  }

  /** Bytes of an incomplete line currently buffered. */
  get pending(): number {
    return this.#buf.length;
  }
}

function clean(line: string): string {
  return (line.startsWith("\x1e") ? line.slice(1) : line).trim();
}

/** Read a byte stream as NDJSON lines. */
export async function* ndjsonLines(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<string, void, undefined> {
  const splitter = new NdjsonSplitter();
  const decoder = new TextDecoder();
  for await (const chunk of body) {
    for (const line of splitter.push(decoder.decode(chunk, { stream: true }))) yield line;
  }
  for (const line of splitter.push(decoder.decode())) yield line;
  for (const line of splitter.flush()) yield line;
}
