/**
 * A test hook that records every container event it handles (in memory and/or as JSON lines
 * appended to a file), optionally with a random delay and a failure for one container name.
 *
 * @module
 */
import type { Hook } from "../../lib/engine/hook.ts";

/** One recorded invocation. */
export interface Record {
  action: string;
  trigger: "event" | "resync";
  synthetic: boolean;
  id: string;
  name: string;
  pid: number;
  ip: string;
  image: string;
  labels: { [k: string]: string };
  running: boolean;
  host: string;
  timeNano: string;
  /** `State.StartedAt` of the state the handler got ("" without a container). */
  startedAt: string;
  /** The container moved on since the event (restarted or removed). */
  movedOn: boolean;
}

/** Options for {@link recorderHook}. */
export interface RecorderOptions {
  file?: string;
  maxDelayMs?: number;
  failName?: string;
  /** Only these actions (default all container actions). */
  actions?: string[];
}

/** A hook that records; `records` holds what it saw. */
export function recorderHook(opts: RecorderOptions = {}): Hook & { records: Record[] } {
  const records: Record[] = [];
  const enc = new TextEncoder();
  const rec = async (trigger: "event" | "resync", ctx: Parameters<Hook["handle"]>[0]) => {
    if (opts.maxDelayMs) await new Promise((r) => setTimeout(r, Math.random() * opts.maxDelayMs!));
    const c = ctx.container;
    const r: Record = {
      action: ctx.event.action,
      trigger,
      synthetic: ctx.event.synthetic,
      id: ctx.event.actor.id,
      name: c?.name ?? ctx.event.actor.attributes["name"] ?? "",
      pid: c?.pid ?? -1,
      ip: c?.primaryIp ?? "",
      image: c?.image ?? "",
      labels: c?.labels ?? {},
      running: c?.running ?? false,
      host: ctx.host.id,
      timeNano: ctx.event.timeNano,
      startedAt: c?.startedAt ?? "",
      movedOn: ctx.movedOn,
    };
    records.push(r);
    if (opts.file) {
      const f = await Deno.open(opts.file, { append: true, create: true, write: true });
      try {
        await f.write(enc.encode(JSON.stringify(r) + "\n"));
      } finally {
        f.close();
      }
    }
    if (opts.failName && r.name === opts.failName) throw new Error(`recorder: planned failure`);
  };
  return {
    name: "recorder",
    records,
    wants: (ev) => ev.type === "container" && (!opts.actions || opts.actions.includes(ev.action)),
    handle: (ctx) => rec("event", ctx),
    resync: (ctx) => rec("resync", ctx),
  };
}

/** Read the JSON lines a file-backed recorder wrote. */
export async function readRecords(file: string): Promise<Record[]> {
  const text = await Deno.readTextFile(file).catch(() => "");
  return text.split("\n").filter(Boolean).map((l) => JSON.parse(l));
}
