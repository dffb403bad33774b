/**
 * Resolve the Docker endpoint the way the docker CLI does, for the `default` host:
 * `-H` → `DOCKER_HOST` → `DOCKER_CONTEXT` → `~/.docker/config.json` `currentContext` → the local
 * socket, with `DOCKER_TLS_VERIFY`/`DOCKER_TLS`/`DOCKER_CERT_PATH` for TLS and the context store
 * (`contexts/meta/<sha256(name)>/meta.json`, `contexts/tls/<sha256(name)>/docker/*.pem`).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { type ClientTls, DEFAULT_SOCKET } from "../docker/endpoint.ts";

/** Inputs: the process environment, the home directory and an optional `-H` flag. */
export interface DockerCliInputs {
  env: Record<string, string | undefined>;
  home: string;
  /** `-H/--host` from reactor's command line. */
  hostFlag?: string;
}

/** What the CLI would connect to. */
export interface DockerCliEndpoint {
  host: string;
  /** TLS requested (tcp:// becomes https://). */
  tls: boolean;
  clientTls?: ClientTls;
  /** Where the endpoint came from: `-H`, `DOCKER_HOST`, `context "name"`, `built-in default`. */
  source: string;
  warnings: string[];
}

/** A context that cannot be read (missing or broken meta.json). */
export class DockerContextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DockerContextError";
  }
}

/** The docker CLI config dir: `$DOCKER_CONFIG` or `~/.docker`. */
export function dockerConfigDir(inputs: DockerCliInputs): string {
  return nonEmpty(inputs.env["DOCKER_CONFIG"]) ?? `${inputs.home}/.docker`;
}

/** `sha256hex(name)`: the directory name of a context in the store. */
export function contextDigest(name: string): string {
  return createHash("sha256").update(name).digest("hex");
}

/**
 * Resolve the default endpoint. Throws {@link DockerContextError} when the selected context does
 * not exist or cannot be parsed.
 *
 * @example
 * ```ts
 * import { resolveDockerCliEndpoint } from "./docker_cli.ts";
 * resolveDockerCliEndpoint({ env: { DOCKER_HOST: "tcp://10.0.0.1:2375" }, home: "/root" }).host;
 * ```
 */
export function resolveDockerCliEndpoint(inputs: DockerCliInputs): DockerCliEndpoint {
  const env = inputs.env;
  const configDir = dockerConfigDir(inputs);
  const warnings: string[] = [];
  const explicit = nonEmpty(inputs.hostFlag) ? { host: inputs.hostFlag!, source: "-H" } : nonEmpty(
      env["DOCKER_HOST"],
    )
    ? { host: env["DOCKER_HOST"]!, source: "DOCKER_HOST" }
    : undefined;
  if (explicit) {
    const verify = nonEmpty(env["DOCKER_TLS_VERIFY"]) !== undefined;
    const tls = verify || nonEmpty(env["DOCKER_TLS"]) !== undefined;
    let clientTls: ClientTls | undefined;
    if (tls) {
      if (!verify) {
        warnings.push(
          "DOCKER_TLS is set without DOCKER_TLS_VERIFY: reactor verifies the daemon certificate anyway",
        );
      }
      const dir = nonEmpty(env["DOCKER_CERT_PATH"]) ?? configDir;
      clientTls = tlsFiles(dir);
    }
    return { host: explicit.host, tls, clientTls, source: explicit.source, warnings };
  }
  const ctxName = nonEmpty(env["DOCKER_CONTEXT"]) ?? currentContext(configDir);
  if (ctxName && ctxName !== "default") {
    const digest = contextDigest(ctxName);
    const metaPath = `${configDir}/contexts/meta/${digest}/meta.json`;
    let meta: unknown;
    try {
      meta = JSON.parse(Deno.readTextFileSync(metaPath));
    } catch (err) {
      const why = err instanceof Deno.errors.NotFound
        ? "it does not exist"
        : `cannot read it: ${(err as Error).message}`;
      const via = nonEmpty(env["DOCKER_CONTEXT"]) ? "DOCKER_CONTEXT" : `${configDir}/config.json`;
      throw new DockerContextError(
        `Docker context "${ctxName}" (from ${via}) has no usable ${metaPath}: ${why} — run \`docker context ls\` or unset ${via}`,
      );
    }
    const ep = isObj(meta) && isObj(meta["Endpoints"]) ? meta["Endpoints"]["docker"] : undefined;
    const host = isObj(ep) && typeof ep["Host"] === "string" ? ep["Host"] : "";
    if (!host) {
      throw new DockerContextError(
        `Docker context "${ctxName}" (${metaPath}) has no Endpoints.docker.Host — recreate it with \`docker context create\``,
      );
    }
    if (isObj(ep) && ep["SkipTLSVerify"] === true) {
      warnings.push(
        `Docker context "${ctxName}" sets SkipTLSVerify: reactor verifies the daemon certificate anyway`,
      );
    }
    const files = tlsFiles(`${configDir}/contexts/tls/${digest}/docker`);
    const hasTls = !!(files.ca || files.cert || files.key);
    return {
      host,
      tls: hasTls,
      clientTls: hasTls ? files : undefined,
      source: `context "${ctxName}"`,
      warnings,
    };
  }
  return { host: DEFAULT_SOCKET, tls: false, source: "built-in default", warnings };
}

function currentContext(configDir: string): string | undefined {
  try {
    const cfg = JSON.parse(Deno.readTextFileSync(`${configDir}/config.json`));
    return isObj(cfg) && typeof cfg["currentContext"] === "string"
      ? nonEmpty(cfg["currentContext"])
      : undefined;
  } catch {
    return undefined;
  }
}

/** ca.pem/cert.pem/key.pem from a directory; missing files are left out (as the CLI does). */
function tlsFiles(dir: string): ClientTls {
  const out: ClientTls = {};
  for (const k of ["ca", "cert", "key"] as const) {
    const p = `${dir}/${k}.pem`;
    try {
      Deno.statSync(p);
      out[k] = p;
    } catch { /* absent */ }
  }
  if (!out.cert || !out.key) {
    delete out.cert;
    delete out.key;
  }
  return out;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v !== undefined && v !== "" ? v : undefined;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
