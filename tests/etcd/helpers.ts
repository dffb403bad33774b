/**
 * Shared pieces of the etcd publisher tests: a log that keeps its records, and containers.
 *
 * @module
 */
import type { PublishableContainer } from "../../lib/etcd/summary.ts";
import type { Log, LogFields } from "../../lib/log.ts";

/** A record kept by {@link memoryLog}. */
export interface LogLine {
  level: string;
  message: string;
  fields: LogFields;
}

/** A Log that keeps every record (and the text of all of them, for "never logged" checks). */
export function memoryLog(): { log: Log; lines: LogLine[]; text: () => string } {
  const lines: LogLine[] = [];
  const make = (bound: LogFields): Log => {
    const put = (level: string) => (message: string, fields?: LogFields) =>
      void lines.push({ level, message, fields: { ...bound, ...fields } });
    return {
      debug: put("debug"),
      info: put("info"),
      warn: put("warn"),
      error: put("error"),
      child: (f) => make({ ...bound, ...f }),
    };
  };
  return {
    log: make({}),
    lines,
    text: () => lines.map((l) => `${l.level} ${l.message} ${JSON.stringify(l.fields)}`).join("\n"),
  };
}

/** A running container with one bridge network. */
export function fakeContainer(
  name: string,
  over: Partial<PublishableContainer> = {},
): PublishableContainer {
  const id = Array.from(new TextEncoder().encode(name.padEnd(32, "0")))
    .map((b) => b.toString(16).padStart(2, "0")).join("").slice(0, 64);
  return {
    hostId: "h1",
    id,
    name,
    image: "busybox:latest",
    imageId: "sha256:" + "b".repeat(64),
    labels: { app: name },
    pid: 1,
    running: true,
    status: "running",
    exitCode: 0,
    health: "none",
    networks: {
      bridge: {
        name: "bridge",
        networkId: "n1",
        ip: "172.17.0.9",
        prefixLen: 16,
        ipv6: "",
        gateway: "172.17.0.1",
        mac: "",
        aliases: [],
      },
    },
    ports: [],
    primaryIp: "172.17.0.9",
    sandboxKey: "",
    networkMode: "bridge",
    createdAt: "2026-11-30T12:00:00Z",
    startedAt: "2026-11-30T12:00:01Z",
    finishedAt: "",
    hostname: name,
    ...over,
  };
}
