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

/**
 * Read a byte stream as NDJSON lines. When `signal` aborts, the stream is cancelled: the lines
 * end at once and the connection under it is released (an aborted fetch alone does not always
 * end its body, and then holds the connection open).
 */
export async function* ndjsonLines(
  body: ReadableStream<Uint8Array>,
  signal?: AbortSignal,
): AsyncGenerator<string, void, undefined> {
  const splitter = new NdjsonSplitter();
  const decoder = new TextDecoder();
  const reader = body.getReader();
  const cancel = () => void reader.cancel(signal?.reason).catch(() => {});
  if (signal?.aborted) cancel();
  signal?.addEventListener("abort", cancel, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const line of splitter.push(decoder.decode(value, { stream: true }))) yield line;
    }
  } finally {
    signal?.removeEventListener("abort", cancel);
    // a consumer that stops early (break, throw) releases the connection too
    await reader.cancel().catch(() => {});
  }
  if (signal?.aborted) return;
  for (const line of splitter.push(decoder.decode())) yield line;
  for (const line of splitter.flush()) yield line;
}
