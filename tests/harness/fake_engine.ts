/**
 * A fake Docker Engine on a unix socket, for tests and benchmarks that need many engines, many
 * containers or exact event timing without a real dockerd: `/_ping`, `/info`,
 * `/containers/json`, `/containers/{id}/json` and a streaming `/events` that carries what the test
 * {@link FakeEngine.emit}s (or what a custom `events` handler writes). Lifecycle helpers keep the
 * container table and the events consistent (`start` sets `State.StartedAt` before the event's
 * time, as dockerd does).
 *
 * @module
 */
import { serveUnix, STREAM_HEADER } from "./http_unix.ts";

/** One container the fake engine knows. */
export interface FakeContainer {
  id: string;
  name: string;
  image?: string;
  labels?: Record<string, string>;
  running: boolean;
  pid: number;
  /** RFC 3339 with nanoseconds (`0001-01-01T00:00:00Z` when never started). */
  startedAt: string;
}

/** A custom `/events` answer (the default streams {@link FakeEngine.emit}ted lines). */
export type EventsHandler = (req: Request, n: number) => Response | Promise<Response>;

/** Options of {@link startFakeEngine}. */
export interface FakeEngineOptions {
  /** Socket path (default: a fresh temp dir's `engine.sock`). */
  socket?: string;
  /** `Api-Version` header (default 1.53). */
  apiVersion?: string;
  /** `/info` Name (default `fake`). */
  name?: string;
  /** Containers present from the start. */
  containers?: FakeContainer[];
  /** Accept connections but never answer anything (a hung engine). */
  hang?: boolean;
  /** Replace the `/events` handler; `n` counts `/events` requests from 0. */
  events?: EventsHandler;
  /** Answer other paths (return undefined to fall through to the defaults). */
  route?: (req: Request, url: URL) => Response | Promise<Response> | undefined;
}

/** A running fake engine. */
export interface FakeEngine {
  readonly socket: string;
  /** `unix://<socket>` */
  readonly host: string;
  /** Containers by id (tests may edit them directly). */
  readonly containers: Map<string, FakeContainer>;
  /** Requests served, by path without the version prefix (`/events`, `/containers/json`, …). */
  readonly requests: Map<string, number>;
  /** `since` of each `/events` request, in order. */
  readonly sinces: (string | null)[];
  /** Open `/events` streams. */
  subscribers(): number;
  /** Send one event line (or a raw text chunk) to every open `/events` stream. */
  emit(line: string): void;
  /** Create a container (emits `create`). */
  create(name: string, labels?: Record<string, string>): FakeContainer;
  /** Start it (sets pid and StartedAt, emits `start`); returns the event's timeNano. */
  start(id: string): string;
  /** Stop it (emits `die` then `stop`). */
  stop(id: string): void;
  /** Remove it (emits `destroy`). */
  destroy(id: string): void;
  /** End every open `/events` stream (the engine stays up: clients reconnect). */
  closeStreams(): void;
  /** Stop serving; open streams end. */
  close(): Promise<void>;
}

const enc = new TextEncoder();

/** Current wall-clock time as exact nanoseconds (a string; beyond 2^53). */
export function nowNano(): string {
  const ms = performance.timeOrigin + performance.now();
  return (BigInt(Math.floor(ms * 1000)) * 1000n).toString();
}

/** `1796049953133000000` → `2026-11-30T14:45:53.133000000Z` (RFC 3339, nanoseconds). */
export function nanoToRfc3339(nano: string): string {
  const n = BigInt(nano);
  const ms = Number(n / 1_000_000n);
  const frac = (n % 1_000_000_000n).toString().padStart(9, "0");
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, `.${frac}Z`);
}

/** One Engine-shaped event line (API 1.53 shape; `timeNano` as exact digits). */
export function eventLine(
  action: string,
  id: string,
  attributes: Record<string, string>,
  timeNano: string = nowNano(),
  type = "container",
): string {
  const body = JSON.stringify({
    status: type === "container" ? action : undefined,
    id: type === "container" ? id : undefined,
    Type: type,
    Action: action,
    Actor: { ID: id, Attributes: attributes },
    scope: "local",
    time: Number(BigInt(timeNano) / 1_000_000_000n),
    timeNano: 0,
  });
  return body.replace(/"timeNano":0}$/, `"timeNano":${timeNano}}`) + "\n";
}

/** The inspect JSON of a fake container (the fields reactor reads). */
export function inspectJson(c: FakeContainer): Record<string, unknown> {
  return {
    Id: c.id,
    Name: `/${c.name}`,
    Created: "2026-01-01T00:00:00Z",
    Image: "sha256:fake",
    State: {
      Status: c.running ? "running" : "exited",
      Running: c.running,
      Pid: c.running ? c.pid : 0,
      ExitCode: 0,
      StartedAt: c.startedAt,
      FinishedAt: "0001-01-01T00:00:00Z",
    },
    Config: {
      Image: c.image ?? "fake:latest",
      Labels: c.labels ?? {},
      Hostname: c.id.slice(0, 12),
    },
    HostConfig: { NetworkMode: "bridge" },
    NetworkSettings: {
      SandboxKey: "",
      Networks: {
        bridge: { NetworkID: "n1", IPAddress: "10.0.0.2", IPPrefixLen: 24, Gateway: "10.0.0.1" },
      },
    },
  };
}

let seq = 0;

/** A container id: 64 hex digits, unique in this process. */
export function fakeId(): string {
  const n = (++seq).toString(16).padStart(8, "0");
  const r = crypto.getRandomValues(new Uint8Array(28));
  return n + Array.from(r, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Start a fake engine. Always `close()` it (try/finally). */
export async function startFakeEngine(opts: FakeEngineOptions = {}): Promise<FakeEngine> {
  const dir = opts.socket ? undefined : await Deno.makeTempDir({ prefix: "rx-fake-" });
  const socket = opts.socket ?? `${dir}/engine.sock`;
  const api = opts.apiVersion ?? "1.53";
  const containers = new Map<string, FakeContainer>();
  for (const c of opts.containers ?? []) containers.set(c.id, c);
  const requests = new Map<string, number>();
  const sinces: (string | null)[] = [];
  const streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
  let eventsN = 0;
  let pid = 1000;

  const emit = (line: string) => {
    const bytes = enc.encode(line);
    for (const c of streams) {
      try {
        c.enqueue(bytes);
      } catch {
        streams.delete(c);
      }
    }
  };
  const closeStreams = () => {
    for (const c of streams) {
      try {
        c.close();
      } catch { /* already closed */ }
    }
    streams.clear();
  };
  const liveEvents = (): Response => {
    let ctl: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        ctl = c;
        streams.add(c);
      },
      cancel() {
        streams.delete(ctl);
      },
    });
    return new Response(body, { headers: { "content-type": "application/json" } });
  };

  const handler = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const path = url.pathname.replace(/^\/v\d+\.\d+/, "");
    const key = /^\/containers\/[^/]+\/json$/.test(path) && path !== "/containers/json"
      ? "/containers/{id}/json"
      : path;
    requests.set(key, (requests.get(key) ?? 0) + 1);
    const custom = await opts.route?.(req, url);
    if (custom) return custom;
    if (path === "/_ping") {
      return new Response("OK", { headers: { "Api-Version": api, "Ostype": "linux" } });
    }
    if (path === "/info") {
      return Response.json({ ID: "FAKE", Name: opts.name ?? "fake", ServerVersion: "29.0.0-fake" });
    }
    if (path === "/containers/json") {
      const all = url.searchParams.get("all") === "1" || url.searchParams.get("all") === "true";
      return Response.json(
        [...containers.values()].filter((c) => all || c.running).map((c) => ({
          Id: c.id,
          Names: [`/${c.name}`],
          Image: c.image ?? "fake:latest",
          Labels: c.labels ?? {},
          State: c.running ? "running" : "exited",
          Status: c.running ? "Up" : "Exited (0)",
          Created: 1767225600,
        })),
      );
    }
    const m = /^\/containers\/([^/]+)\/json$/.exec(path);
    if (m) {
      const c = containers.get(decodeURIComponent(m[1]!));
      if (!c) {
        return Response.json({ message: `No such container: ${m[1]}` }, { status: 404 });
      }
      return Response.json(inspectJson(c));
    }
    if (path === "/events") {
      sinces.push(url.searchParams.get("since"));
      const n = eventsN++;
      return opts.events ? await opts.events(req, n) : liveEvents();
    }
    return Response.json({ message: `page not found: ${path}` }, { status: 404 });
  };
  const server = serveUnix(socket, async (req) => {
    const res = await handler(req);
    // event streams are streamed (whatever a custom handler returned)
    if (new URL(req.url).pathname.endsWith("/events")) res.headers.set(STREAM_HEADER, "1");
    return res;
  }, { hang: opts.hang });

  const attrs = (c: FakeContainer) => ({
    ...(c.labels ?? {}),
    image: c.image ?? "fake:latest",
    name: c.name,
  });
  const get = (id: string) => {
    const c = containers.get(id);
    if (!c) throw new Error(`fake engine: no container ${id}`);
    return c;
  };
  return {
    socket,
    host: `unix://${socket}`,
    containers,
    requests,
    sinces,
    subscribers: () => streams.size,
    emit,
    create(name, labels) {
      const c: FakeContainer = {
        id: fakeId(),
        name,
        labels,
        running: false,
        pid: 0,
        startedAt: "0001-01-01T00:00:00Z",
      };
      containers.set(c.id, c);
      emit(eventLine("create", c.id, attrs(c)));
      return c;
    },
    start(id) {
      const c = get(id);
      c.running = true;
      c.pid = ++pid;
      c.startedAt = nanoToRfc3339(nowNano());
      const t = nowNano();
      emit(eventLine("start", id, attrs(c), t));
      return t;
    },
    stop(id) {
      const c = get(id);
      c.running = false;
      c.pid = 0;
      emit(eventLine("die", id, { ...attrs(c), exitCode: "0" }));
      emit(eventLine("stop", id, attrs(c)));
    },
    destroy(id) {
      const c = get(id);
      containers.delete(id);
      emit(eventLine("destroy", id, attrs(c)));
    },
    closeStreams,
    async close() {
      closeStreams();
      await server.close();

      if (dir) await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
