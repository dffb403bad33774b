/**
 * Lines of a streamed body, for the bare baseline programs (which import nothing of reactor's:
 * they are what a program without any framework does).
 *
 * @module
 */

/** Each non-blank line of `body`, as it arrives. */
export async function* lines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const dec = new TextDecoder();
  let buf = "";
  for await (const chunk of body) {
    buf += dec.decode(chunk, { stream: true });
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.trim()) yield line;
    }
  }
}
