/**
 * Resume position per host. The cursor is the low watermark of handled events: the `timeNano` of
 * the oldest event still in flight, or of the newest event when nothing is in flight. Because
 * `since` is inclusive and `timeNano` is not strictly monotonic, the keys of recently handled
 * events are persisted too and seed the dedup set after a restart.
 *
 * @module
 */
import { compareNano } from "../docker/normalize.ts";
import { writeJsonAtomic } from "../util/atomic_write.ts";

/** Tracks in-flight events and yields the safe resume point. */
export class CursorTracker {
  #next = 0;
  readonly #inflight = new Map<number, string>();
  #newest: string | undefined;

  constructor(initial?: string) {
    this.#newest = initial;
  }

  /** An event was received; returns a token for {@link done}. */
  begin(timeNano: string): number {
    const id = this.#next++;
    this.#inflight.set(id, timeNano);
    if (this.#newest === undefined || compareNano(timeNano, this.#newest) > 0) {
      this.#newest = timeNano;
    }
    return id;
  }

  /** The event with this token is fully handled (or deliberately skipped). */
  done(token: number): void {
    this.#inflight.delete(token);
  }

  /** Note an event that needs no work (keeps the cursor moving). */
  observe(timeNano: string): void {
    this.done(this.begin(timeNano));
  }

  /** Where to resume (`since`), or undefined when nothing was seen yet. */
  get cursor(): string | undefined {
    let min: string | undefined;
    for (const t of this.#inflight.values()) {
      if (min === undefined || compareNano(t, min) < 0) min = t;
    }
    return min ?? this.#newest;
  }

  /** The newest event time seen (received, handled or not). */
  get newest(): string | undefined {
    return this.#newest;
  }

  /** Events received and not yet handled. */
  get inflight(): number {
    return this.#inflight.size;
  }
}

/** What is persisted per host. */
export interface HostState {
  version: 1;
  hostId: string;
  /** The engine the cursor belongs to (`unix:///var/run/docker.sock`); absent in old files. */
  endpoint?: string;
  /** Exact timeNano to resume from (inclusive). */
  since?: string;
  /** Keys of recently handled events (dedup across restarts). */
  recent: string[];
  /** Container id → `State.StartedAt` of the incarnation whose start was handled. */
  started?: Record<string, string>;
  updatedAt: string;
}

function emptyState(hostId: string): HostState {
  return { version: 1, hostId, recent: [], updatedAt: "" };
}

/** Reads and atomically writes `<stateDir>/hosts/<hostId>.json`. */
export class HostStateStore {
  readonly path: string;

  constructor(stateDir: string, hostId: string) {
    const safe = hostId.replace(/[^A-Za-z0-9_.-]/g, "_");
    this.path = `${stateDir}/hosts/${safe}.json`;
  }

  /** Load the state; a missing or corrupt file yields an empty state (corrupt: renamed aside). */
  async load(hostId: string): Promise<{ state: HostState; warning?: string }> {
    const r = await this.#read(hostId);
    if (!("corrupt" in r)) return r;
    const aside = `${this.path}.corrupt-${Date.now()}`;
    await Deno.rename(this.path, aside).catch(() => {});
    return {
      state: emptyState(hostId),
      warning:
        `Cursor file ${this.path} is corrupt (${r.corrupt}); moved to ${aside}, starting from a full resync`,
    };
  }

  /** Read the saved state without changing anything (for `reactor hosts`); undefined if none. */
  async peek(hostId: string): Promise<HostState | undefined> {
    const r = await this.#read(hostId);
    return "corrupt" in r || r.warning || !r.state.since ? undefined : r.state;
  }

  async #read(
    hostId: string,
  ): Promise<{ state: HostState; warning?: string } | { corrupt: string }> {
    const empty = emptyState(hostId);
    let text: string;
    try {
      text = await Deno.readTextFile(this.path);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return { state: empty };
      return { state: empty, warning: `Cannot read cursor file ${this.path}: ${err}` };
    }
    try {
      const v = JSON.parse(text);
      if (
        v && v.version === 1 && (v.since === undefined || /^\d+$/.test(v.since)) &&
        Array.isArray(v.recent)
      ) {
        return {
          state: {
            ...empty,
            ...(typeof v.endpoint === "string" ? { endpoint: v.endpoint } : {}),
            since: v.since,
            recent: v.recent.filter((k: unknown) => typeof k === "string"),
            started: typeof v.started === "object" && v.started !== null
              ? Object.fromEntries(
                Object.entries(v.started).filter(([, x]) => typeof x === "string"),
              ) as Record<string, string>
              : {},
          },
        };
      }
      return { corrupt: "unexpected shape" };
    } catch (err) {
      return { corrupt: (err as Error).message };
    }
  }

  /** Write atomically: temp file in the same dir, fsync, rename. */
  async save(state: HostState): Promise<void> {
    await writeJsonAtomic(this.path, { ...state, updatedAt: new Date().toISOString() }, {
      mkdirMode: 0o700,
    });
  }
}

/** Default state dir: `/var/lib/reactor` as root, else `$XDG_STATE_HOME/reactor`. */
export function defaultStateDir(env: { get(k: string): string | undefined } = Deno.env): string {
  const uid = Deno.uid?.() ?? 0;
  if (uid === 0) return "/var/lib/reactor";
  const xdg = env.get("XDG_STATE_HOME");
  if (xdg) return `${xdg}/reactor`;
  return `${env.get("HOME") ?? "."}/.local/state/reactor`;
}
