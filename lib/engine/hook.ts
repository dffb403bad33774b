/**
 * The contract between the event engine and everything that reacts to events: built-in hooks
 * (`hooks/`), YAML rules and typed `reactor.config.ts` handlers are all adapted to {@link Hook}.
 *
 * @module
 */
import type { DockerClient } from "../docker/client.ts";
import type { ContainerInfo, ReactorEvent } from "../reactor.d.ts";
import type { Run } from "../exec/run.ts";
import type { Log } from "../log.ts";
import type { Inventory } from "./inventory.ts";
import type { Observer } from "./observer.ts";
import type { HostStatus } from "./host_state.ts";
import type { ReactorStats } from "./dispatch.ts";

/** What a handler knows about the engine an event came from. */
export interface HostContext {
  /** Configured host id (`default`, `local`, …). */
  readonly id: string;
  /** Engine name from `/info` (falls back to the host id). */
  readonly name: string;
  /** Engine API client for this host. */
  readonly docker: DockerClient;
  /** True when the engine is a rootless dockerd (`/info` security options). */
  readonly rootless: boolean;
  /** True when the engine runs on this machine (unix socket or managed): nsenter is possible. */
  readonly local: boolean;
}

/** Everything a hook receives for one event. */
export interface HandlerContext {
  readonly event: ReactorEvent;
  /**
   * The inspected container for container events. For `die`/`destroy` (or a container that is
   * already gone) this is the last known inspect data; undefined when reactor never saw it, and
   * when no hook for this event needs it (see {@link Hook.needsContainer}).
   */
  readonly container: ContainerInfo | undefined;
  readonly host: HostContext;
  /** Logger with host/container/action fields bound. */
  readonly log: Log;
  /** Aborted when the handler's timeout expires or reactor shuts down. */
  readonly signal: AbortSignal;
  /** The single spawn point (argv only, never a shell). */
  readonly exec: Run;
  /**
   * The container changed after the event (restarted or removed): `container` is its last known
   * state with `running: false`, `pid: 0` — never the state of a later incarnation.
   */
  readonly movedOn: boolean;
}

/** What a hook may read about the engine itself (metrics, `reactor status`). */
export interface EngineView {
  /** Queued or running container tasks. */
  queueDepth(): number;
  /** Every host's live status. */
  hosts(): HostStatus[];
  /** The engine's counters. */
  stats(): ReactorStats;
}

/** What a hook gets when the engine starts it (level-triggered hooks live on this). */
export interface HookRuntime {
  /** The engine's own state. */
  readonly engine: EngineView;
  /** The live view of every host's containers. */
  readonly inventory: Inventory;
  /** Where to report outcomes of runs not tied to one event (a render, a publish). */
  readonly observer: Observer;
  readonly log: Log;
  /** Aborted when reactor stops. A hook replaced by a reload is told through its `close()`. */
  readonly signal: AbortSignal;
}

/** What a dry run (`reactor simulate`) knows: nothing runs and no engine is called. */
export interface PlanContext {
  readonly event: ReactorEvent;
  /** The container (from `--container`, or inspected live); undefined when unknown. */
  readonly container: ContainerInfo | undefined;
  readonly host: Pick<HostContext, "id" | "name" | "rootless" | "local">;
}

/** One step of a dry run: a command the hook would run, or a note about what it would do. */
export interface PlannedStep {
  /** The exact command (absent for a plain note). */
  readonly argv?: readonly string[];
  /** Environment the command gets on top of reactor's own. */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Where it runs or what else it gets (`on the host`, `stdin: the event as JSON`). */
  readonly note?: string;
  /** Something the real run would trip over (an empty `%%ip%%`, a refused host route). */
  readonly warning?: string;
}

/** Why a hook is being called. */
export type Trigger =
  /** A real event from the stream, or a start synthesized for a container whose start was missed. */
  | "event"
  /**
   * A resync found this container running and its start was already handled earlier: level-
   * triggered hooks re-assert desired state here (idempotently).
   */
  | "resync";

/** A unit of reaction. */
export interface Hook {
  /** Stable name used in logs and `reactor check` tables (`labels`, `rule:My rule`). */
  readonly name: string;
  /** Kind for metrics (`labels`, `rule`, `ts`, …; default: the name). */
  readonly kind?: string;
  /** Rule or handler name within the kind (metrics label; default ""). */
  readonly rule?: string;
  /** Cheap pre-filter on the raw event (no inspect yet). */
  wants(event: ReactorEvent): boolean;
  /**
   * Optional, default true: the hook reads `ctx.container` (or `ctx.movedOn`). A hook that
   * reacts to the event's own attributes only says `false`: when no hook that wants an event
   * needs the container and nothing else needs inspect data (an inventory subscriber), the
   * engine calls the hooks without inspecting first (`ctx.container` is then undefined). The
   * exactly-once handling of starts holds either way.
   */
  readonly needsContainer?: boolean;
  /** React to an event. Throwing marks the event as failed for this hook (logged, counted). */
  handle(ctx: HandlerContext): Promise<void>;
  /**
   * Optional: called on every resync for every running container whose start was already
   * handled. Level-triggered hooks (label networking) re-apply their state here.
   */
  resync?(ctx: HandlerContext): Promise<void>;
  /**
   * Optional: what `handle` would do for this event, without doing it (`reactor simulate`): the
   * exact commands, in order. Must not run anything or change any state.
   */
  plan?(ctx: PlanContext): PlannedStep[] | Promise<PlannedStep[]>;
  /** Optional per-hook timeout in milliseconds (default: the engine's handler timeout). */
  readonly timeoutMs?: number;
  /**
   * Optional: called once when the engine starts running this hook (at startup, or when a
   * reload installs it). Level-triggered hooks subscribe to the inventory here.
   */
  start?(rt: HookRuntime): void | Promise<void>;
  /**
   * Optional, `reactor once` only (where `start` is not called): called once after every host's
   * running containers went through the hooks, with the inventory filled and synced.
   * Level-triggered hooks apply their state once here. Throwing counts as a failure (exit 1);
   * bounded by {@link timeoutMs}.
   */
  once?(rt: HookRuntime): Promise<void>;
  /** Optional: release resources on shutdown or config reload. */
  close?(): Promise<void>;
}
