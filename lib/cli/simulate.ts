/**
 * `reactor simulate --event FILE|- [--container FILE] [--execute]`: show which rules, handlers
 * and hooks an event matches and the exact argv each rule would run. Executes nothing unless
 * `--execute` is given.
 *
 * @module
 */
import { Command } from "commander";
import { hostname } from "node:os";
import { DockerClient } from "../docker/client.ts";
import { DEFAULT_SOCKET, openTransport, parseEndpoint } from "../docker/endpoint.ts";
import type { HostContext } from "../engine/hook.ts";
import { exec } from "../exec/run.ts";
import { getLog } from "../log.ts";
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

/** What the simulate command needs from the rest of reactor (injected by main.ts / tests). */
export interface SimulateDeps {
  /** What built-in hooks are made with (state dir, log); without it they are not shown. */
  builtins?: BuildDeps;
  /** Connect to the engine for `--execute` (default: `-H`, `$DOCKER_HOST`, the local socket). */
  connect?: (flags: SimulateFlags) => Promise<HostContext & { close(): void }>;
  /** Read stdin (`--event -`). */
  readStdin?: () => Promise<string>;
}

async function readAll(path: string, deps: SimulateDeps): Promise<string> {
  if (path === "-") {
    return deps.readStdin ? await deps.readStdin() : await new Response(Deno.stdin.readable).text();
  }
  return await Deno.readTextFile(path);
}

async function defaultConnect(flags: SimulateFlags): Promise<HostContext & { close(): void }> {
  const ep = parseEndpoint(flags.host ?? Deno.env.get("DOCKER_HOST") ?? DEFAULT_SOCKET);
  const transport = await openTransport(ep);
  const docker = new DockerClient({ hostId: flags.hostId, transport });
  await docker.negotiate();
  const info = await docker.info();
  return {
    id: flags.hostId,
    name: flags.hostName ?? (info.name || flags.hostId),
    docker,
    rootless: info.rootless,
    local: ep.kind === "unix",
    close: () => transport.close(),
  };
}

/** Run a simulation and return the report text. */
export async function runSimulate(flags: SimulateFlags, deps: SimulateDeps = {}): Promise<string> {
  const cfg = await loadCliConfig({ host: flags.host }, flags);
  try {
    return await simulateWith(cfg, flags, deps);
  } finally {
    cfg.close();
  }
}

async function simulateWith(
  cfg: Awaited<ReturnType<typeof loadCliConfig>>,
  flags: SimulateFlags,
  deps: SimulateDeps,
): Promise<string> {
  const event = parseEventText(await readAll(flags.event, deps), flags.hostId, flags.event);
  const builtins = deps.builtins ? builtinHooks(cfg, deps.builtins) : undefined;
  const container = flags.container
    ? parseContainerText(await Deno.readTextFile(flags.container), flags.hostId, flags.container)
    : undefined;
  if (!flags.execute) {
    const host = { id: flags.hostId, name: flags.hostName ?? hostname() };
    const rows = simulate(cfg, { event, container, host, builtins });
    return formatSimulation(rows, event);
  }
  const host = await (deps.connect ?? defaultConnect)(flags);
  try {
    const rows = simulate(cfg, { event, container, host, builtins });
    const results = await executeSimulation(cfg, {
      event,
      container,
      host,
      log: getLog({ host: host.id }),
      signal: new AbortController().signal,
      exec,
      movedOn: false,
    }, deps.builtins ?? { stateDir: "", log: getLog(), insecure: false });
    let out = formatSimulation(rows, event, true);
    for (const r of results) {
      out += `${r.ok ? "ok    " : "FAILED"}  ${r.name}${r.error ? `: ${r.error}` : ""}\n`;
    }
    return out;
  } finally {
    host.close();
  }
}

/** The `simulate` command. */
export function simulateCommand(deps: SimulateDeps = {}): Command {
  const cmd = new Command("simulate")
    .description("feed an event (Engine JSON) through the config and show what would run")
    .requiredOption("--event <file>", "event JSON file, or - for stdin")
    .option(
      "--container <file>",
      "container inspect JSON (docker inspect output) for %%ip%%, labels, …",
    )
    .addOption(configOption())
    .addOption(insecureConfigOption())
    .option("--execute", "really run the matching rules, handlers and hooks")
    .option("--host-id <id>", "host id the event comes from", "default")
    .option("--host-name <name>", "engine name for %%host%% (default: this machine's hostname)");
  addHookFlags(cmd).action(async (opts: SimulateFlags, c: Command) => {
    const globals = c.optsWithGlobals() as GlobalFlags;
    const g = resolveGlobals(globals);
    const text = await runSimulate({ ...opts, host: globals.host }, {
      builtins: { stateDir: g.stateDir, log: g.log, insecure: !!opts.insecureConfig },
      ...deps,
    });
    await Deno.stdout.write(new TextEncoder().encode(text));
  });
  return cmd;
}
