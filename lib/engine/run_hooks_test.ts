import assert from "node:assert/strict";
import type { Log, LogFields } from "../log.ts";
import type { ReactorEvent } from "../reactor.d.ts";
import type { Hook } from "./hook.ts";
import { wantingHooks } from "./run_hooks.ts";

function hook(name: string, wants: (ev: ReactorEvent) => boolean): Hook {
  return { name, wants, handle: () => Promise.resolve() };
}

Deno.test("wantingHooks(): the hooks that want the event, in order; a throwing filter is logged and left out", () => {
  const errors: [string, LogFields | undefined][] = [];
  const log = { error: (m: string, f?: LogFields) => errors.push([m, f]) } as unknown as Log;
  const ev = {
    hostId: "h1",
    type: "container",
    action: "start",
    actor: { id: "c1", attributes: {} },
  } as unknown as ReactorEvent;
  let asked = 0;
  const hooks = [
    hook("a", () => (asked++, true)),
    hook("broken", () => {
      throw new Error("boom");
    }),
    hook("no", () => false),
    hook("b", (e) => e.action === "start"),
  ];
  assert.deepEqual(wantingHooks(hooks, ev, log).map((h) => h.name), ["a", "b"]);
  assert.equal(asked, 1, "each filter asked once");
  assert.deepEqual(errors, [['Hook "broken" filter failed: boom', { host: "h1" }]]);
});
