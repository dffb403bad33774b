/**
 * The physical limit of the label-route action, with no framework: `fetch` `/events` (starts
 * only), one inspect for the pid and labels, then `nsenter -n -t <pid> -- ip route replace …`
 * per `;` part of the `<prefix>route` label. Nothing else: no dedup, no ordering, no state.
 * Prints `{"t":"up"}` once subscribed.
 *
 * Run: `deno run -A bench/limit_route.ts <socket> <label prefix>`.
 *
 * @module
 */
import { lines } from "./lines.ts";

if (import.meta.main) {
  const [socket, prefix] = Deno.args as [string, string];
  const client = Deno.createHttpClient({ proxy: { transport: "unix", path: socket } });
  const filters = encodeURIComponent(JSON.stringify({ type: ["container"], event: ["start"] }));
  const res = await fetch(`http://docker/events?filters=${filters}`, { client });
  Deno.stdout.writeSync(new TextEncoder().encode(`{"t":"up"}\n`));
  const route = async (id: string) => {
    const c = await (await fetch(`http://docker/containers/${id}/json`, { client })).json();
    const value: string | undefined = c.Config?.Labels?.[`${prefix}route`];
    if (!value || !c.State?.Pid) return;
    for (const part of value.split(";").map((p) => p.trim().split(/\s+/)).filter((p) => p[0])) {
      if (part[0] === "add") part[0] = "replace";
      await new Deno.Command("nsenter", {
        args: ["-n", "-t", String(c.State.Pid), "--", "ip", "route", ...part],
        stdout: "null",
        stderr: "null",
      }).output();
    }
  };
  for await (const line of lines(res.body!)) {
    const v = JSON.parse(line);
    void route(v.Actor?.ID ?? v.id);
  }
}
