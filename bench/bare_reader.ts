/**
 * Baseline: the least a program can do, with no framework — `fetch` the Engine's `/events`
 * over its unix socket, split lines, `JSON.parse` each one. Used as the reference measured in the
 * same run as reactor. Prints JSON lines on stdout: `{"t":"up"}` once subscribed, then with
 * `--print` one `{"t":"e","id","a","n","at"}` per container event (`at`: wall-clock ms when it
 * was read).
 *
 * - `--inspect`: the physical limit of a hook that needs the container: one inspect per start
 *   (`at` is taken after it answered).
 * - `--resync`: instead of following events, list the running containers and inspect each
 *   (16 at a time), then print `{"t":"resync","first","done"}` (ms since the list was asked).
 * - `--count <n>`: print `{"t":"count","first","last"}` (wall-clock ms) after every `n` events.
 *
 * Run: `deno run -A bench/bare_reader.ts <socket> [--print] [--inspect] [--resync] [--count n]`.
 *
 * @module
 */
import { lines } from "./lines.ts";

function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

function out(o: Record<string, unknown>): void {
  Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(o) + "\n"));
}

async function resync(client: Deno.HttpClient): Promise<void> {
  const t0 = performance.now();
  const list = await (await fetch("http://docker/containers/json", { client })).json() as {
    Id: string;
  }[];
  let first = 0;
  const q = list.map((c) => c.Id);
  await Promise.all(Array.from({ length: 16 }, async () => {
    for (let id = q.shift(); id !== undefined; id = q.shift()) {
      await (await fetch(`http://docker/containers/${id}/json`, { client })).json();
      first ||= performance.now() - t0;
    }
  }));
  out({ t: "resync", first, done: performance.now() - t0, running: list.length });
}

async function follow(
  client: Deno.HttpClient,
  opts: { print: boolean; inspect: boolean; count: number },
): Promise<void> {
  const { print, inspect, count } = opts;
  let seen = 0, first = 0;
  const filters = encodeURIComponent(JSON.stringify({ type: ["container"] }));
  const res = await fetch(`http://docker/events?filters=${filters}`, { client });
  out({ t: "up", at: wallMs() });
  for await (const line of lines(res.body!)) {
    let at = wallMs();
    const v = JSON.parse(line);
    const n = /"timeNano":(\d+)/.exec(line)?.[1] ?? "0";
    const id = v.Actor?.ID ?? v.id;
    if (inspect && v.Action === "start") {
      const c = await (await fetch(`http://docker/containers/${id}/json`, { client })).json();
      if (typeof c.State?.Pid !== "number") throw new Error("no pid");
      at = wallMs();
    }
    if (print) out({ t: "e", id, a: v.Action, n, at });
    if (count) {
      first ||= at;
      if (++seen === count) {
        out({ t: "count", first, last: at });
        seen = first = 0;
      }
    }
  }
}

if (import.meta.main) {
  const socket = Deno.args[0]!;
  const flags = new Set(Deno.args.slice(1));
  const i = Deno.args.indexOf("--count");
  const count = i > 0 ? Number(Deno.args[i + 1]) : 0;
  const client = Deno.createHttpClient({ proxy: { transport: "unix", path: socket } });
  if (flags.has("--resync")) await resync(client);
  else {await follow(client, {
      print: flags.has("--print"),
      inspect: flags.has("--inspect"),
      count,
    });}
}
