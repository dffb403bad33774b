/**
 * In-process arrival recorder: read `/events` over the unix socket and note arrival
 * times (the start events a bench measures from).
 *
 * @module
 */
import { ndjsonLines } from "../lib/docker/ndjson.ts";

/** Arrival of one start event at the bare reader. */
export interface Arrival {
  id: string;
  action: string;
  timeNano: string;
  /** Wall-clock ms (sub-ms precision) when the line was read. */
  at: number;
}

/** Wall clock with sub-millisecond precision. */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Read container events until `signal` aborts; push arrivals into `out`. */
export async function bareReader(
  socket: string,
  out: Arrival[],
  signal: AbortSignal,
): Promise<void> {
  const client = Deno.createHttpClient({ proxy: { transport: "unix", path: socket } });
  try {
    const filters = encodeURIComponent(JSON.stringify({ type: ["container"] }));
    const res = await fetch(`http://docker/events?filters=${filters}`, { client, signal });
    for await (const line of ndjsonLines(res.body!)) {
      const at = wallMs();
      const m = /"timeNano":(\d+)/.exec(line);
      const v = JSON.parse(line);
      out.push({ id: v.Actor?.ID ?? v.id, action: v.Action, timeNano: m?.[1] ?? "0", at });
    }
  } catch (err) {
    if (!signal.aborted) throw err;
  } finally {
    client.close();
  }
}
