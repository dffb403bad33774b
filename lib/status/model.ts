/**
 * What `reactor status` shows, as the daemon builds it ({@link buildStatus}) and as the client
 * reads it back over the socket ({@link parseStatus}: checked field by field at the boundary).
 *
 * @module
 */
import type { HostStatus } from "../engine/host_state.ts";
import type { FailureWindow } from "./failures.ts";

/** One host's line. */
export interface HostReport {
  id: string;
  endpoint: string;
  state: string;
  apiVersion?: string;
  engineVersion?: string;
  /** When the last event arrived (ISO 8601), if one did since the daemon started. */
  lastEventAt?: string;
  /** How far the cursor (oldest event not yet handled) is behind the newest event, seconds. */
  cursorLagSeconds?: number;
  /** Events received and not yet handled. */
  queue: number;
  /** Hook failures in the last hour, by hook (`labels`, `rule:My rule`). */
  failures: Record<string, number>;
  /** Why it is down. */
  lastError?: string;
}

/** The config the daemon runs. */
export interface ConfigReport {
  /** Files loaded; empty for the embedded default. */
  files: string[];
  /** When the running config was loaded (ISO 8601). */
  loadedAt: string;
  /** Successful reloads since start. */
  reloads: number;
}

/** Everything `reactor status` prints. */
export interface DaemonStatus {
  version: string;
  pid: number;
  startedAt: string;
  stateDir: string;
  /** Container tasks queued or running, all hosts. */
  queueDepth: number;
  config: ConfigReport;
  hosts: HostReport[];
  /** Failures in the last hour of hooks not tied to one host (HAProxy, etcd, …). */
  engineFailures: Record<string, number>;
}

/** What the daemon's status is made of. */
export interface StatusSource {
  version: string;
  pid: number;
  startedAt: number;
  stateDir: string;
  engine: { hostStatus(): HostStatus[]; readonly pending: number };
  failures: FailureWindow;
  config(): ConfigReport;
}

function lagSeconds(h: HostStatus): number | undefined {
  if (h.cursor === undefined || h.newestEvent === undefined) return undefined;
  const lag = BigInt(h.newestEvent) - BigInt(h.cursor);
  return lag > 0n ? Number(lag / 1_000_000n) / 1000 : 0;
}

/** Snapshot the daemon's status now. */
export function buildStatus(src: StatusSource, now = Date.now()): DaemonStatus {
  return {
    version: src.version,
    pid: src.pid,
    startedAt: new Date(src.startedAt).toISOString(),
    stateDir: src.stateDir,
    queueDepth: src.engine.pending,
    config: src.config(),
    hosts: src.engine.hostStatus().map((h) => ({
      id: h.id,
      endpoint: h.describe,
      state: h.state,
      ...(h.apiVersion ? { apiVersion: h.apiVersion } : {}),
      ...(h.engineVersion ? { engineVersion: h.engineVersion } : {}),
      ...(h.lastEventAt ? { lastEventAt: new Date(h.lastEventAt).toISOString() } : {}),
      ...(lagSeconds(h) !== undefined ? { cursorLagSeconds: lagSeconds(h) } : {}),
      queue: h.inflight ?? 0,
      failures: src.failures.recent(h.id, now),
      ...(h.state !== "up" && h.lastError ? { lastError: h.lastError } : {}),
    })),
    engineFailures: src.failures.recent("", now),
  };
}

type Obj = Record<string, unknown>;

function field<T>(o: Obj, key: string, check: (v: unknown) => v is T, where: string): T {
  const v = o[key];
  if (!check(v)) throw new TypeError(`${where}.${key} is missing or has the wrong type`);
  return v;
}

function optional<T>(o: Obj, key: string, check: (v: unknown) => v is T, where: string) {
  return o[key] === undefined ? undefined : field(o, key, check, where);
}

const isStr = (v: unknown): v is string => typeof v === "string";
const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const isArr = (v: unknown): v is unknown[] => Array.isArray(v);

function counts(v: unknown, where: string): Record<string, number> {
  if (!isObj(v)) throw new TypeError(`${where} is missing or has the wrong type`);
  for (const [k, n] of Object.entries(v)) {
    if (!isNum(n)) throw new TypeError(`${where}.${k} is not a number`);
  }
  return v as Record<string, number>;
}

/** Read a status document (the daemon's JSON); throws TypeError naming the bad field. */
export function parseStatus(v: unknown): DaemonStatus {
  if (!isObj(v)) throw new TypeError("status is not an object");
  const cfg = field(v, "config", isObj, "status");
  const files = field(cfg, "files", isArr, "status.config");
  return {
    version: field(v, "version", isStr, "status"),
    pid: field(v, "pid", isNum, "status"),
    startedAt: field(v, "startedAt", isStr, "status"),
    stateDir: field(v, "stateDir", isStr, "status"),
    queueDepth: field(v, "queueDepth", isNum, "status"),
    config: {
      files: files.map((f, i) => {
        if (!isStr(f)) throw new TypeError(`status.config.files[${i}] is not a string`);
        return f;
      }),
      loadedAt: field(cfg, "loadedAt", isStr, "status.config"),
      reloads: field(cfg, "reloads", isNum, "status.config"),
    },
    hosts: field(v, "hosts", isArr, "status").map((h, i) => {
      const w = `status.hosts[${i}]`;
      if (!isObj(h)) throw new TypeError(`${w} is not an object`);
      const out: HostReport = {
        id: field(h, "id", isStr, w),
        endpoint: field(h, "endpoint", isStr, w),
        state: field(h, "state", isStr, w),
        queue: field(h, "queue", isNum, w),
        failures: counts(h["failures"], `${w}.failures`),
      };
      const api = optional(h, "apiVersion", isStr, w);
      if (api !== undefined) out.apiVersion = api;
      const engine = optional(h, "engineVersion", isStr, w);
      if (engine !== undefined) out.engineVersion = engine;
      const last = optional(h, "lastEventAt", isStr, w);
      if (last !== undefined) out.lastEventAt = last;
      const lag = optional(h, "cursorLagSeconds", isNum, w);
      if (lag !== undefined) out.cursorLagSeconds = lag;
      const err = optional(h, "lastError", isStr, w);
      if (err !== undefined) out.lastError = err;
      return out;
    }),
    engineFailures: counts(v["engineFailures"], "status.engineFailures"),
  };
}
