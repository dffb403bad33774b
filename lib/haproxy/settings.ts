/**
 * Settings of the HAProxy balancer, validated from a raw object: the `[params]` section of a
 * Docker Glue INI file (snake_case, every value a string) or `hooks: { haproxy: {…} }` of
 * reactor.yaml / reactor.config.ts (camelCase, typed values). Both spellings are accepted.
 *
 * @module
 */
import { DURATION_HINT, parseDuration } from "../util/duration.ts";
import type { Renderer } from "./render.ts";

/** Validated settings. */
export interface HaproxySettings {
  /** The config HAProxy loads (written in place). */
  configFile: string;
  /** Directory of the user template and what it extends/includes. */
  templateDir?: string;
  /** User template (Nunjucks); unset means the built-in template. */
  templateFile?: string;
  /** A render function from reactor.config.ts (replaces any template). */
  render?: Renderer;
  /** Command that reloads HAProxy (argv, no shell). */
  reload: string[];
  /** When set, reload by sending SIGUSR2 to the master pid in this file instead. */
  masterPidFile?: string;
  /** The Runtime API socket (`stats socket … level admin expose-fd listeners`). */
  statsSocket: string;
  /** Use containers' IPs on this Docker network (default: each container's primary IP). */
  network?: string;
  /** Use the host's published ports instead of container IPs. */
  publishedPorts: boolean;
  /** Frontend bind address: `*` or an IPv4 address. */
  bindAddress: string;
  /** Debounce window for bursts of changes. */
  wait: { minMs: number; maxMs: number };
  /** Route to containers with a HEALTHCHECK only while healthy. */
  healthGated: boolean;
}

/** One problem: where (key path) and what, ending with "— fix". */
export interface SettingsProblem {
  path: (string | number)[];
  message: string;
}

/** Defaults (Glue's config file; Debian's socket; docker-gen-like wait). */
export const SETTINGS_DEFAULTS = {
  configFile: "/etc/haproxy/haproxy.cfg",
  reload: ["systemctl", "reload", "haproxy"],
  statsSocket: "/run/haproxy/admin.sock",
  bindAddress: "*",
  wait: "500ms..2s",
  healthGated: true,
  publishedPorts: false,
} as const;

const KEYS: Record<string, string> = {
  config_file: "configFile",
  template_dir: "templateDir",
  template_file: "templateFile",
  render: "render",
  reload: "reload",
  master_pid_file: "masterPidFile",
  stats_socket: "statsSocket",
  network: "network",
  published_ports: "publishedPorts",
  bind_address: "bindAddress",
  wait: "wait",
  health_gated: "healthGated",
};
const CAMEL = new Set(Object.values(KEYS));

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Validate raw settings.
 *
 * @example
 * ```ts
 * import { parseHaproxySettings } from "./settings.ts";
 * const r = parseHaproxySettings({ config_file: "/etc/haproxy/haproxy.cfg", wait: "1s..5s" });
 * // r.settings.wait → { minMs: 1000, maxMs: 5000 }
 * ```
 */
export function parseHaproxySettings(
  raw: unknown,
): { settings: HaproxySettings; problems?: undefined } | {
  settings?: undefined;
  problems: SettingsProblem[];
} {
  const problems: SettingsProblem[] = [];
  const add = (key: string, message: string) => problems.push({ path: [key], message });
  if (raw === undefined || raw === null) raw = {};
  if (!isMap(raw)) {
    return {
      problems: [{ path: [], message: "expected a map of settings — write key: value pairs" }],
    };
  }
  const v = new Map<string, { key: string; value: unknown }>();
  for (const [key, value] of Object.entries(raw)) {
    const name = KEYS[key] ?? (CAMEL.has(key) ? key : undefined);
    if (!name) {
      add(key, `unknown setting — use one of ${Object.keys(KEYS).join(", ")} (or camelCase)`);
      continue;
    }
    const prev = v.get(name);
    if (prev) {
      add(key, `is the same setting as "${prev.key}" — keep one of them`);
      continue;
    }
    v.set(name, { key, value });
  }
  const str = (name: string): string | undefined => {
    const e = v.get(name);
    if (!e || e.value === undefined || e.value === null) return undefined;
    if (typeof e.value !== "string" || e.value.trim() === "") {
      add(e.key, `expected a non-empty string — fix the value`);
      return undefined;
    }
    return e.value.trim();
  };
  const path = (name: string): string | undefined => {
    const s = str(name);
    if (s === undefined) return undefined;
    if (!s.startsWith("/") || /[\n\0]/.test(s)) {
      add(
        v.get(name)!.key,
        `${JSON.stringify(s)} is not an absolute path — write a path starting with /`,
      );
      return undefined;
    }
    return s;
  };
  const flag = (name: string, dflt: boolean): boolean => {
    const e = v.get(name);
    if (!e || e.value === undefined || e.value === null) return dflt;
    if (typeof e.value === "boolean") return e.value;
    const s = String(e.value).trim().toLowerCase();
    if (["1", "true", "yes", "on"].includes(s)) return true;
    if (["0", "false", "no", "off"].includes(s)) return false;
    add(e.key, `${JSON.stringify(e.value)} is not a flag — use 1 or 0 (true or false)`);
    return dflt;
  };

  const configFile = path("configFile") ?? SETTINGS_DEFAULTS.configFile;
  const templateDir = path("templateDir");
  let templateFile = str("templateFile");
  if (templateFile !== undefined) {
    if (templateFile.startsWith("/")) {
      if (templateDir) {
        add(
          v.get("templateFile")!.key,
          `is absolute while template_dir is set — give a name inside template_dir`,
        );
      }
    } else if (!templateDir) {
      add(
        v.get("templateFile")!.key,
        `is relative but template_dir is not set — set template_dir or give an absolute path`,
      );
      templateFile = undefined;
    } else if (templateFile.split("/").includes("..")) {
      add(
        v.get("templateFile")!.key,
        `may not leave template_dir with ".." — put the template inside template_dir`,
      );
      templateFile = undefined;
    }
  } else if (templateDir) {
    add(
      v.get("templateDir")!.key,
      `is set but template_file is not — set template_file (e.g. haproxy.cfg.njk)`,
    );
  }
  let render: Renderer | undefined;
  const r = v.get("render");
  if (r && r.value !== undefined) {
    if (typeof r.value !== "function") {
      add(r.key, `expected a function (model) => string — define it in reactor.config.ts`);
    } else if (templateFile) {
      add(r.key, `and template_file are both set — keep one of them`);
    } else render = r.value as Renderer;
  }

  const reloadArgv = argv(v.get("reload"), problems);
  const masterPidFile = path("masterPidFile");
  if (masterPidFile && v.has("reload")) {
    add(v.get("masterPidFile")!.key, `and reload are both set — keep one of them`);
  }
  const statsSocket = path("statsSocket") ?? SETTINGS_DEFAULTS.statsSocket;
  if (/[\s#;'"\\]/.test(statsSocket)) {
    add(
      v.get("statsSocket")!.key,
      `may not contain spaces, #, ;, quotes or backslashes — choose another path`,
    );
  }
  const network = str("network");
  if (network !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(network)) {
    add(
      v.get("network")!.key,
      `${JSON.stringify(network)} is not a Docker network name — fix the name`,
    );
  }
  const publishedPorts = flag("publishedPorts", SETTINGS_DEFAULTS.publishedPorts);
  if (publishedPorts && network !== undefined) {
    add(v.get("network")!.key, `and published_ports are both set — keep one of them`);
  }
  const bindAddress = str("bindAddress") ?? SETTINGS_DEFAULTS.bindAddress;
  if (bindAddress !== "*" && !isIPv4(bindAddress)) {
    add(
      v.get("bindAddress")!.key,
      `${JSON.stringify(bindAddress)} is not "*" or an IPv4 address — fix the value`,
    );
  }
  const wait = parseWait(v.get("wait"), problems);
  const healthGated = flag("healthGated", SETTINGS_DEFAULTS.healthGated);

  if (problems.length) return { problems };
  return {
    settings: {
      configFile,
      ...(templateDir ? { templateDir } : {}),
      ...(templateFile ? { templateFile } : {}),
      ...(render ? { render } : {}),
      reload: reloadArgv ?? [...SETTINGS_DEFAULTS.reload],
      ...(masterPidFile ? { masterPidFile } : {}),
      statsSocket,
      ...(network ? { network } : {}),
      publishedPorts,
      bindAddress,
      wait,
      healthGated,
    },
  };
}

function isIPv4(s: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  return !!m && m.slice(1).every((x) => Number(x) <= 255);
}

/** `reload`: a list of strings, or (INI) a JSON array or words separated by spaces. */
function argv(
  e: { key: string; value: unknown } | undefined,
  problems: SettingsProblem[],
): string[] | undefined {
  if (!e || e.value === undefined || e.value === null) return undefined;
  let list: unknown = e.value;
  if (typeof list === "string") {
    const s = list.trim();
    if (s.startsWith("[")) {
      try {
        list = JSON.parse(s);
      } catch {
        problems.push({
          path: [e.key],
          message: `is not a JSON list — write ["systemctl", "reload", "haproxy"] or plain words`,
        });
        return undefined;
      }
    } else list = s.split(/\s+/).filter(Boolean);
  }
  if (!Array.isArray(list) || list.length === 0) {
    problems.push({
      path: [e.key],
      message: `expected a non-empty list of arguments — e.g. ["systemctl", "reload", "haproxy"]`,
    });
    return undefined;
  }
  const out: string[] = [];
  list.forEach((a, i) => {
    if (typeof a !== "string" || a === "" || a.includes("\0")) {
      problems.push({
        path: [e.key, i],
        message: `expected a non-empty string — fix this argument`,
      });
    } else out.push(a);
  });
  return out.length === list.length ? out : undefined;
}

/** `wait`: `min..max` (or docker-gen's `min:max`), or one duration for both. */
function parseWait(
  e: { key: string; value: unknown } | undefined,
  problems: SettingsProblem[],
): { minMs: number; maxMs: number } {
  const raw = e?.value ?? SETTINGS_DEFAULTS.wait;
  const key = e?.key ?? "wait";
  const s = typeof raw === "number" ? String(raw) : raw;
  if (typeof s !== "string") {
    problems.push({ path: [key], message: `expected "min..max" — write e.g. "500ms..2s"` });
    return { minMs: 0, maxMs: 0 };
  }
  const parts = s.includes("..") ? s.split("..") : s.split(":");
  if (parts.length > 2) {
    problems.push({
      path: [key],
      message: `${JSON.stringify(s)} is not "min..max" — write e.g. "500ms..2s"`,
    });
    return { minMs: 0, maxMs: 0 };
  }
  const ms = parts.map((p) => parseDuration(p.trim()));
  for (const m of ms) {
    if (typeof m !== "number") {
      problems.push({
        path: [key],
        message: `${m.error.replace(` — ${DURATION_HINT}`, "")} — ${DURATION_HINT}, as "min..max"`,
      });
      return { minMs: 0, maxMs: 0 };
    }
  }
  const [minMs, maxMs = minMs] = ms as number[];
  if (maxMs! < minMs!) {
    problems.push({
      path: [key],
      message: `max ${parts[1]} is shorter than min ${parts[0]} — swap them`,
    });
  }
  return { minMs: minMs!, maxMs: maxMs! };
}
