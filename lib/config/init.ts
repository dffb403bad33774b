/**
 * `reactor init`: write a starter `reactor.config.ts` and the self-contained `reactor.d.ts`.
 *
 * @module
 */
import { join } from "node:path";
import { UsageError } from "../errors.ts";
// The public type surface itself, embedded as text (also in the compiled binary): `reactor init`
// writes it byte for byte.
import REACTOR_DTS from "../reactor.d.ts" with { type: "text" };

/** The starter config `reactor init` writes. */
export const STARTER_CONFIG =
  `// reactor.config.ts — validate with \`reactor check\`, try with \`reactor simulate\`.
// Only \`import type\` from reactor: the file is loaded as it is, also by the compiled binary.
import type { Config } from "./reactor.d.ts";

export default {
  // Built-in hooks, exactly as without a config file: label networking (docker-events.* labels,
  // host routes allowed) and per-container scripts. \`false\` turns one off.
  hooks: {
    labels: { hostRoutes: "allow" },
    // Safer: only containers labelled reactor.trusted=yes may change the host's routing table
    // ("deny": none may):
    // labels: { hostRoutes: "label:reactor.trusted=yes" },
    scripts: { dir: "/etc/reactor/scripts" },
  },

  // Every container start. ctx has ip, nsenter, exec, docker, log, event, host, signal.
  onStart: async (container, ctx) => {
    ctx.log.info("container started", { name: container.name, ip: container.primaryIp });
    // A route inside the container's network namespace:
    // await ctx.ip.route.add("10.77.0.0/16", { dev: "eth0", netns: container });
  },

  // Any selector: exact strings, globs ("web-*"), "/regex/" or lists (any-of).
  on: [
    {
      match: { type: "container", action: "die", actor: { name: "web-*" } },
      run: (container, ctx) => {
        ctx.log.warn("web container died", { name: container?.name, code: container?.exitCode });
      },
    },
  ],
} satisfies Config;
`;

/** Options for {@link writeStarter}. */
export interface InitOptions {
  /** Directory to write into (default: the current directory). */
  dir?: string;
  /** Overwrite existing files. */
  force?: boolean;
  /** Only (re)write `reactor.d.ts`. */
  typesOnly?: boolean;
}

/** Write the starter files; returns the paths written. Refuses to overwrite without `force`. */
export async function writeStarter(opts: InitOptions = {}): Promise<string[]> {
  const dir = opts.dir ?? Deno.cwd();
  const files: [string, string][] = [[join(dir, "reactor.d.ts"), REACTOR_DTS]];
  if (!opts.typesOnly) files.push([join(dir, "reactor.config.ts"), STARTER_CONFIG]);
  if (!opts.force) {
    for (const [path] of files) {
      if (path.endsWith(".d.ts") && opts.typesOnly) continue;
      try {
        await Deno.lstat(path);
        throw new UsageError(
          `Cannot write ${path}: the file exists — pass --force to overwrite it, or --types-only to refresh reactor.d.ts`,
        );
      } catch (err) {
        if (!(err instanceof Deno.errors.NotFound)) throw err;
      }
    }
  }
  await Deno.mkdir(dir, { recursive: true });
  for (const [path, text] of files) await Deno.writeTextFile(path, text, { mode: 0o644 });
  return files.map(([p]) => p);
}
