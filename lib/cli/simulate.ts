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
import { builtinFactory } from "./hooks.ts";
import { configOption, insecureConfigOption, loadConfigFromFlags } from "../config/flags.ts";
import type { BuiltinFactory } from "../config/hooks.ts";
import {
  executeSimulation,
  formatSimulation,
  parseContainerText,
  parseEventText,
  simulate,
} from "../config/simulate.ts";

/** Options of the `simulate` command. */
export interface SimulateFlags {
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
  /** Built-in hooks (label networking, scripts) from their settings. */
  builtins?: BuiltinFactory;
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
  const cfg = await loadConfigFromFlags(flags);
  const event = parseEventText(await readAll(flags.event, deps), flags.hostId, flags.event);
  const container = flags.container
    ? parseContainerText(await Deno.readTextFile(flags.container), flags.hostId, flags.container)
    : undefined;
  if (!flags.execute) {
    const host = { id: flags.hostId, name: flags.hostName ?? hostname() };
    const rows = simulate(cfg, { event, container, host, builtins: deps.builtins });
    return formatSimulation(rows, event);
  }
  const host = await (deps.connect ?? defaultConnect)(flags);
  try {
    const rows = simulate(cfg, { event, container, host, builtins: deps.builtins });
    const results = await executeSimulation(cfg, {
      event,
      container,
      host,
      log: getLog({ host: host.id }),
      signal: new AbortController().signal,
      exec,
    }, deps.builtins);
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
export function simulateCommand(
  deps: SimulateDeps = {},
): Command<[], Omit<SimulateFlags, "host">> {
  return new Command("simulate")
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
    .option("--host-name <name>", "engine name for %%host%% (default: this machine's hostname)")
    .action(async (opts, cmd) => {
      const globals = cmd.optsWithGlobals() as GlobalFlags;
      const g = resolveGlobals(globals);
      const text = await runSimulate({ ...opts, host: globals.host }, {
        builtins: builtinFactory(g, opts),
        ...deps,
      });
      await Deno.stdout.write(new TextEncoder().encode(text));
    });
}
