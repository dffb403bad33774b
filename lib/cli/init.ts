/**
 * `reactor init`: write a starter `reactor.config.ts` and its `reactor.d.ts`.
 *
 * @module
 */
import { Command } from "commander";
import { writeStarter } from "../config/init.ts";

/** The `init` command. */
export function initCommand(): Command<[], { dir: string; force?: true; typesOnly?: true }> {
  return new Command("init")
    .description("write a starter reactor.config.ts and reactor.d.ts (types for editor completion)")
    .option("--dir <dir>", "directory to write into", ".")
    .option("--force", "overwrite existing files")
    .option("--types-only", "only (re)write reactor.d.ts")
    .action(async (opts) => {
      const files = await writeStarter({
        dir: opts.dir,
        force: opts.force,
        typesOnly: opts.typesOnly,
      });
      const text = files.map((f) => `wrote ${f}\n`).join("") +
        (opts.typesOnly
          ? ""
          : "next: edit reactor.config.ts, then `reactor check --config reactor.config.ts`\n");
      await Deno.stdout.write(new TextEncoder().encode(text));
    });
}
