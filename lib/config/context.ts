/**
 * Turn the engine's {@link HandlerContext} into the {@link Context} a config handler sees, and
 * give lifecycle handlers a container even when reactor never inspected it.
 *
 * @module
 */
import type { HandlerContext } from "../engine/hook.ts";
import type { ContainerInfo, ReactorEvent } from "../reactor.d.ts";
import { makeIp, makeNsenter } from "./net.ts";
import type { Context, Run } from "../reactor.d.ts";

/** Build the handler context. `exec` defaults its `signal` to the handler's. */
export function makeContext(ctx: HandlerContext): Context {
  const run: Run = (argv, opts = {}) => ctx.exec(argv, { signal: ctx.signal, ...opts });
  const nsenter = makeNsenter(run, ctx.host);
  const { id, name, rootless, local } = ctx.host;
  return {
    event: ctx.event,
    movedOn: ctx.movedOn,
    host: { id, name, rootless, local },
    docker: ctx.host.docker,
    log: ctx.log,
    signal: ctx.signal,
    exec: run,
    ip: makeIp(run, ctx.host, ctx.signal),
    nsenter,
  };
}

/** A container built from a container event's attributes (used when none was inspected). */
export function containerFromEvent(ev: ReactorEvent): ContainerInfo {
  const { name = "", image = "", ...rest } = ev.actor.attributes;
  const labels: Record<string, string> = {};
  const notLabels = new Set([
    "exitCode",
    "signal",
    "execID",
    "execDuration",
    "container",
    "destination",
    "driver",
  ]);
  for (const [k, v] of Object.entries(rest)) if (!notLabels.has(k)) labels[k] = v;
  return {
    hostId: ev.hostId,
    id: ev.actor.id,
    name,
    image,
    imageId: "",
    labels,
    pid: 0,
    running: false,
    status: "",
    exitCode: Number(ev.actor.attributes["exitCode"] ?? 0) || 0,
    health: "none",
    networks: {},
    ports: [],
    primaryIp: "",
    sandboxKey: "",
    networkMode: "",
    createdAt: "",
    startedAt: "",
    finishedAt: "",
    hostname: "",
  };
}
