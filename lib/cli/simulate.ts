/**
 * `reactor simulate --event FILE|- [--container FILE|-] [--execute]`: a dry run. Shows which
 * built-in hooks, rules and handlers an event matches and the exact commands each would run
 * (shell-quoted argv, environment, working directory), with warnings such as an empty `%%ip%%`.
 * Without `--container`, the container named in the event is inspected live when its engine
 * answers. Nothing runs unless `--execute` is given; then the exit status follows `reactor once`
 * (1 when a hook failed).
 *
 * @module
 */
import { Command } from "commander";
import { hostname } from "node:os";
import { DockerClient } from "../docker/client.ts";
import { DEFAULT_SOCKET, openTransport, parseEndpoint } from "../docker/endpoint.ts";
import type { HostContext } from "../engine/hook.ts";
import { DockerApiError, errorMessage, UsageError } from "../errors.ts";
import { exec } from "../exec/run.ts";
import { getLog } from "../log.ts";
import type { ContainerInfo, ReactorEvent } from "../reactor.d.ts";
import { createConnector } from "../hosts/connector.ts";
import type { Loaded } from "../config/load.ts";
import type { ExitStatus } from "./exit.ts";
import { type GlobalFlags, resolveGlobals } from "./globals.ts";
import { configOption, insecureConfigOption } from "../config/flags.ts";
import type { BuildDeps } from "../config/hooks.ts";
import { addHookFlags, type CliConfigFlags, loadCliConfig } from "./config.ts";
import {
  builtinHooks,
  executeSimulation,
  formatSimulation,
  parseContainerText,
  parseEventText,
  simulate,
} from "../config/simulate.ts";

/** Options of the `simulate` command. */
export interface SimulateFlags extends CliConfigFlags {
  event: string;
  container?: string;
  config: string[];
  insecureConfig?: true;
  execute?: true;
  hostId: string;
  hostName?: string;
  /** Global `-H`. */
  host?: string;
}

/** A connected engine for `simulate`. */
export type SimulateHost = HostContext & { describe?: string; close(): void | Promise<void> };

/** What the simulate command needs from the rest of reactor (injected by main.ts / tests). */
export interface SimulateDeps {
  /** What built-in hooks are made with (state dir, log); without it they are not shown. */
  builtins?: BuildDeps;
  /**
   * Connect to the event's engine: for `--execute`, and to inspect the event's container when
   * no `--container` is given (default: the config's host `--host-id`, else `-H`,
   * `$DOCKER_HOST`, the local socket).
   */
  connect?: (flags: SimulateFlags, cfg: Loaded) => Promise<SimulateHost>;
  /** Read stdin (`--event -`, `--container -`). */
  readStdin?: () => Promise<string>;
}

/** What {@link runSimulate} produced. */
export interface SimulateReport {
  text: string;
  /** Hooks that failed with `--execute` (0 for a dry run). */
  failures: number;
}

async function readInput(path: string, deps: SimulateDeps): Promise<string> {
  if (path === "-") {
    return deps.readStdin ? await deps.readStdin() : await new Response(Deno.stdin.readable).text();
  }
  return await Deno.readTextFile(path);
}

const CONNECT_TIMEOUT_MS = 5_000;

/** Connect to the config's host `--host-id` (a managed one is only looked at), or `-H`. */
async function defaultConnect(flags: SimulateFlags, cfg: Loaded): Promise<SimulateHost> {
  const signal = AbortSignal.timeout(CONNECT_TIMEOUT_MS);
  const hc = cfg.hosts.find((h) => h.id === flags.hostId && !h.disabled);
  if (hc) {
    const conn = createConnector(
      hc.managed
        ? { ...hc, type: "external", managed: undefined, warnings: [] }
        : { ...hc, warnings: [] },
      { log: getLog(), connectTimeoutMs: CONNECT_TIMEOUT_MS },
    );
    try {
      const docker = await conn.connect(signal);
      const info = await docker.info(signal);
      return {
        id: flags.hostId,
        name: flags.hostName ?? (info.name || flags.hostId),
        docker,
        rootless: info.rootless,
        local: conn.local,
        describe: conn.describe,
        close: () => conn.close(),
      };
    } catch (err) {
      await conn.close();
      throw err;
    }
  }
  const ep = parseEndpoint(flags.host ?? Deno.env.get("DOCKER_HOST") ?? DEFAULT_SOCKET);
  const transport = await openTransport(ep);
  try {
    const docker = new DockerClient({ hostId: flags.hostId, transport });
    await docker.negotiate(signal);
    const info = await docker.info(signal);
    return {
      id: flags.hostId,
      name: flags.hostName ?? (info.name || flags.hostId),
      docker,
      rootless: info.rootless,
      local: ep.kind === "unix",
      describe: ep.url,
      close: () => transport.close(),
    };
  } catch (err) {
    transport.close();
    throw err;
  }
}

/** Run a simulation and return the report. */
export async function runSimulate(
  flags: SimulateFlags,
  deps: SimulateDeps = {},
): Promise<SimulateReport> {
  if (flags.event === "-" && flags.container === "-") {
    throw new UsageError(
      "Cannot read both --event and --container from stdin — put one of them in a file",
    );
  }
  const cfg = await loadCliConfig({ host: flags.host }, flags);
  try {
    return await simulateWith(cfg, flags, deps);
  } finally {
    cfg.close();
  }
}

/** The container an event is about (container events, and network events naming one). */
function containerIdOf(ev: ReactorEvent): string | undefined {
  return ev.type === "container" ? ev.actor.id : ev.actor.attributes["container"];
}

function describeContainer(c: ContainerInfo, from: string): string {
  const state = c.running ? `running, pid ${c.pid}` : c.status || "not running";
  return `${c.name} ${c.id.slice(0, 12)}, ${state}, ip ${c.primaryIp || '""'} (${from})`;
}

async function simulateWith(
  cfg: Loaded,
  flags: SimulateFlags,
  deps: SimulateDeps,
): Promise<SimulateReport> {
  const event = parseEventText(await readInput(flags.event, deps), flags.hostId, flags.event);
  const builtins = deps.builtins ? builtinHooks(cfg, deps.builtins) : undefined;
  let container: ContainerInfo | undefined;
  let containerLine: string | undefined;
  if (flags.container) {
    const where = flags.container === "-" ? "stdin" : flags.container;
    container = parseContainerText(
      await readInput(flags.container, deps),
      flags.hostId,
      flags.container,
    );
    containerLine = describeContainer(container, `from ${where}`);
  }
  const cid = containerIdOf(event);
  let host: SimulateHost | undefined;
  if (flags.execute || (!container && cid)) {
    try {
      host = await (deps.connect ?? defaultConnect)(flags, cfg);
    } catch (err) {
      if (flags.execute) throw err;
      containerLine = `unknown — the engine did not answer (${
        errorMessage(err)
      }): pass --container FILE (docker inspect output)`;
    }
  }
  try {
    if (!container && cid && host) {
      try {
        container = await host.docker.inspect(cid, AbortSignal.timeout(CONNECT_TIMEOUT_MS));
        containerLine = describeContainer(
          container,
          `inspected live${host.describe ? ` on ${host.describe}` : ""}`,
        );
      } catch (err) {
        containerLine = err instanceof DockerApiError && err.isGone
          ? `${cid.slice(0, 12)} no longer exists on host "${host.id}": pass --container FILE`
          : `unknown — cannot inspect ${cid.slice(0, 12)}: ${errorMessage(err)}`;
      }
    }
    const planHost = host ?? {
      id: flags.hostId,
      name: flags.hostName ?? hostname(),
      rootless: false,
      local: isLocal(cfg, flags.hostId),
    };
    const rows = await simulate(cfg, { event, container, host: planHost, builtins });
    if (!flags.execute || !host) {
      return { text: formatSimulation(rows, event, { container: containerLine }), failures: 0 };
    }
    const results = await executeSimulation(cfg, {
      event,
      container,
      host,
      log: getLog({ host: host.id }),
      signal: new AbortController().signal,
      exec,
      movedOn: false,
    }, deps.builtins ?? { stateDir: "", log: getLog(), insecure: false });
    let text = formatSimulation(rows, event, { executed: true, container: containerLine });
    for (const r of results) {
      text += `${r.ok ? "ok    " : "FAILED"}  ${r.name}${r.error ? `: ${r.error}` : ""}\n`;
    }
    return { text, failures: results.filter((r) => !r.ok).length };
  } finally {
    await host?.close();
  }
}

/** Whether the configured host runs on this machine (unknown hosts count as local). */
function isLocal(cfg: Loaded, hostId: string): boolean {
  const h = cfg.hosts.find((x) => x.id === hostId);
  return !h || h.type === "managed" || h.endpoint.kind === "unix";
}

/** The `simulate` command. */
export function simulateCommand(status: ExitStatus, deps: SimulateDeps = {}): Command {
  const cmd = new Command("simulate")
    .description("dry run: feed an event (Engine JSON) through the config, show what would run")
    .requiredOption("--event <file>", "event JSON file, or - for stdin")
    .option(
      "--container <file>",
      "container inspect JSON (docker inspect output), or - for stdin (default: inspect it live)",
    )
    .addOption(configOption())
    .addOption(insecureConfigOption())
    .option("--execute", "really run the matching hooks, rules and handlers (exit 1 if one fails)")
    .option("--host-id <id>", "host id the event comes from", "default")
    .option("--host-name <name>", "engine name for %%host%% (default: the engine's, or hostname)");
  addHookFlags(cmd).action(async (opts: SimulateFlags, c: Command) => {
    const globals = c.optsWithGlobals() as GlobalFlags;
    const g = resolveGlobals(globals);
    const report = await runSimulate({ ...opts, host: globals.host }, {
      builtins: { stateDir: g.stateDir, log: g.log, insecure: !!opts.insecureConfig },
      ...deps,
    });
    await Deno.stdout.write(new TextEncoder().encode(report.text));
    // the rule of `reactor once`: non-zero when an action failed
    status.code = report.failures > 0 ? 1 : 0;
  });
  return cmd;
}
