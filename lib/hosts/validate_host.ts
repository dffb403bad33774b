/**
 * One entry of `docker.hosts`, validated and expanded with the config toolkit's field readers:
 * keys are case-insensitive (the seed mixes `logLevel`/`loglevel`), every problem names its
 * field (and its `file:line:col` in YAML, or the flag or variable that set it).
 *
 * @module
 */
import { type ClientTls, type Endpoint, parseEndpoint } from "../docker/endpoint.ts";
import type { Fields } from "../config/fields.ts";
import { quote } from "../config/problems.ts";
import { parseLogLevel } from "../log.ts";
import { DockerContextError, resolveDockerCliEndpoint } from "./docker_cli.ts";
import { expandVars, expansionVars, flagValue, rootlessStateDir } from "./expand.ts";
import { passwdHome } from "./passwd.ts";
import { sshEndpointProblem } from "./ssh.ts";
import {
  HOST_TYPES,
  type HostConfig,
  type HostsContext,
  type HostType,
  type ManagedConfig,
  type OnStale,
} from "./config.ts";

const TOP_KEYS = ["type", "host", "disabled", "clienttls", "managed", "ssh"];
const TLS_KEYS = ["ca", "cert", "key"];
const MANAGED_KEYS = [
  "executable",
  "env",
  "args",
  "logLevel",
  "logPrefix",
  "healthCheck",
  "user",
  "onStale",
  "stopTimeout",
];
const HEALTH_KEYS = ["interval", "retries"];
const SSH_KEYS = ["args"];

/** Validate one host's settings (`f` reads `docker.hosts.<id>`). */
export function validateHost(id: string, f: Fields, ctx: HostsContext): HostConfig | undefined {
  f.only(TOP_KEYS, `docker.hosts.${id}`, "setting");
  const type = f.string("type") ?? "external";
  if (!(HOST_TYPES as readonly string[]).includes(type)) {
    f.problem("type", `${quote(type)} is not a host type — use external, managed or remote`);
    return undefined;
  }
  const disabled = f.bool("disabled") ?? false;
  const tlsF = f.map("clienttls");
  const managedF = f.map("managed");
  const sshF = f.map("ssh");
  if (managedF && type !== "managed") {
    f.problem("managed", `only allowed with "type: managed" — remove it or change type`);
  }
  const managedUser = managedF?.string("user");
  const userHome = managedUser ? (ctx.userHome ?? passwdHome)(managedUser) : ctx.home;
  if (managedUser && !userHome) {
    managedF!.problem(
      "user",
      `user ${quote(managedUser)} does not exist — create it or fix the name`,
    );
  }
  const vars = expansionVars(ctx.env, userHome ?? ctx.home);
  const expand = (from: Fields, key: string | number, s: string) =>
    expandVars(s, vars, (m) => from.problem(key, m));

  let hostStr = f.string("host");
  if (hostStr !== undefined) hostStr = expand(f, "host", hostStr);
  let clientTls: ClientTls | undefined;
  if (tlsF) {
    tlsF.only(TLS_KEYS, `docker.hosts.${id}.clienttls`, "setting");
    clientTls = {};
    for (const k of TLS_KEYS as ("ca" | "cert" | "key")[]) {
      const v = tlsF.string(k);
      if (v !== undefined) clientTls[k] = expand(tlsF, k, v);
    }
    if (!!clientTls.cert !== !!clientTls.key) {
      f.problem("clienttls", `"cert" and "key" must be given together`);
    }
  }
  const warnings: string[] = [];
  let source = "config";
  let tls = false;
  if (type === "remote" && hostStr === undefined) {
    f.problem("host", `required for "type: remote" — e.g. ssh://user@host or https://host:2376`);
    return undefined;
  }
  if (type === "managed" && hostStr === undefined) {
    f.problem(
      "host",
      'required for "type: managed" — the unix socket the daemon listens on, e.g. unix://${USER_CACHE_DIR}/reactor-docker-host/docker.sock',
    );
    return undefined;
  }
  if (type === "external" && (hostStr === undefined || (id === "default" && ctx.hostFlag))) {
    if (id === "default") {
      try {
        const r = resolveDockerCliEndpoint({
          env: ctx.env,
          home: ctx.home,
          hostFlag: ctx.hostFlag,
        });
        hostStr = r.host;
        source = r.source;
        tls = r.tls;
        warnings.push(...r.warnings);
        if (r.clientTls && !clientTls) clientTls = r.clientTls;
      } catch (err) {
        if (!(err instanceof DockerContextError)) throw err;
        f.problem("host", err.message);
        return undefined;
      }
    } else {
      hostStr = "unix:///var/run/docker.sock";
      source = "built-in default";
    }
  }
  if (clientTls && (clientTls.ca || clientTls.cert)) tls = true;
  let endpoint: Endpoint;
  try {
    endpoint = parseEndpoint(hostStr!, { tls });
  } catch (err) {
    f.problem("host", (err as Error).message);
    return undefined;
  }
  if (endpoint.kind === "ssh") {
    const bad = sshEndpointProblem(endpoint.url);
    if (bad) {
      f.problem("host", bad);
      return undefined;
    }
  }
  if (endpoint.kind === "tcp" && !endpoint.tls) {
    warnings.push(
      `Docker host "${id}" (${endpoint.url}) is plain HTTP: traffic is unencrypted and unauthenticated — use https:// with clienttls`,
    );
  }
  if (tlsF && !(endpoint.kind === "tcp" && endpoint.tls)) {
    f.problem(
      "clienttls",
      `only used with https:// (or tcp://) hosts, but host is ${endpoint.url}`,
    );
  }
  if (endpoint.kind === "tcp" && /^http:\/\//i.test(hostStr!) && tlsF) {
    f.problem("host", `use https:// with clienttls (got ${hostStr})`);
  }
  let sshArgs: string[] = [];
  if (sshF) {
    sshF.only(SSH_KEYS, `docker.hosts.${id}.ssh`, "setting");
    sshArgs = (sshF.strings("args") ?? []).map((a, i) => expand(sshF, i, a));
    if (endpoint.kind !== "ssh") {
      f.problem("ssh", `only used with ssh:// hosts, but host is ${endpoint.url}`);
    }
  }
  let managed: ManagedConfig | undefined;
  if (type === "managed") {
    if (endpoint.kind !== "unix") {
      f.problem(
        "host",
        `a managed host listens on a unix socket — use unix:///path/docker.sock (got ${endpoint.url})`,
      );
      return undefined;
    }
    managed = validateManaged(id, managedF, (from, key, s) => expand(from, key, s), {
      home: userHome ?? ctx.home,
      user: managedUser,
      endpointUrl: endpoint.url,
    });
  }
  return {
    id,
    type: type as HostType,
    host: endpoint.url,
    endpoint,
    disabled,
    clientTls,
    managed,
    sshArgs,
    source,
    warnings,
  };
}

function validateManaged(
  id: string,
  m: Fields | undefined,
  expand: (from: Fields, key: string | number, s: string) => string,
  o: { home: string; user?: string; endpointUrl: string },
): ManagedConfig | undefined {
  m?.only(MANAGED_KEYS, `docker.hosts.${id}.managed`, "setting");
  const executable = m?.string("executable") ?? "dockerd-rootless.sh";
  const envF = m?.has("env") ? m : undefined;
  const env = (envF?.strings("env") ?? []).map((e, i) => {
    const v = expand(envF!, "env", e);
    if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(v)) {
      envF!.problems.add([...envF!.at("env"), i], `${quote(e)} is not NAME=value`);
    }
    return v;
  });
  const args = (m?.strings("args") ?? []).map((a) => expand(m!, "args", a));
  const lvlRaw = m?.string("logLevel") ?? "info";
  const logLevel = parseLogLevel(lvlRaw);
  if (!logLevel) {
    m?.problem(
      "logLevel",
      `${quote(lvlRaw)} is not a log level — use debug, info, warning or error`,
    );
  }
  const logPrefix = m?.string("logPrefix", { allowEmpty: true }) ?? `[${id}] `;
  const hc = m?.map("healthCheck");
  hc?.only(HEALTH_KEYS, `docker.hosts.${id}.managed.healthCheck`, "setting");
  const intervalMs = hc?.duration("interval", { positive: true }) ?? 1000;
  const retries = hc?.int("retries", { min: 1 }) ?? 10;
  const onStale = m?.oneOf<OnStale>("onStale", ["adopt", "restart"]) ?? "adopt";
  const stopTimeoutMs = m?.duration("stopTimeout") ?? 15_000;
  if (!logLevel) return undefined;
  const hasHost = args.some((a) =>
    a === "-H" || a === "--host" || a.startsWith("--host=") || a.startsWith("-H=")
  );
  if (!hasHost) args.push(`--host=${o.endpointUrl}`);
  return {
    executable,
    env,
    args,
    logLevel,
    logPrefix,
    healthCheck: { intervalMs, retries },
    onStale,
    stopTimeoutMs,
    pidfile: flagValue(args, ["--pidfile", "-p"]),
    rootlessStateDir: rootlessStateDir(env),
    home: o.home,
    user: o.user,
  };
}
