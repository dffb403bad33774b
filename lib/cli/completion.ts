/**
 * `reactor completion bash|zsh|fish`: a shell completion script, generated from the CLI itself
 * (every command and flag; value lists for levels, formats and shells; files and directories for
 * paths), so it never falls behind the program.
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "commander";
import { UsageError } from "../errors.ts";

/** Shells `reactor completion` writes for. */
export const SHELLS = ["bash", "zsh", "fish"] as const;

/** One flag as completion sees it. */
export interface FlagSpec {
  /** `--log-level` */
  long?: string;
  /** `-H` */
  short?: string;
  description: string;
  /** The flag takes a value. */
  value: boolean;
  /** What the value is: fixed words, a file, a directory, or anything. */
  kind: { words: string[] } | "file" | "dir" | "any";
}

/** A command and its flags. */
export interface CommandSpec {
  name: string;
  description: string;
  flags: FlagSpec[];
}

/** The whole CLI for completion. */
export interface CompletionSpec {
  program: string;
  globalFlags: FlagSpec[];
  commands: CommandSpec[];
}

const WORDS: Record<string, string[]> = {
  "--log-level": ["trace", "debug", "info", "warn", "error", "fatal"],
  "--log-format": ["text", "json"],
  "--host-routes": ["allow", "deny", "label:"],
};
const FILES = new Set(["--config", "--event", "--container", "--deno"]);
const DIRS = new Set(["--state-dir", "--scripts-dir", "--dir", "--unit-dir", "--workdir"]);

function flagSpec(o: CommandUnknownOpts["options"][number]): FlagSpec {
  const value = o.required || o.optional;
  const long = o.long;
  let kind: FlagSpec["kind"] = "any";
  if (o.argChoices) kind = { words: o.argChoices };
  else if (long && WORDS[long]) kind = { words: WORDS[long]! };
  else if (long && FILES.has(long)) kind = "file";
  else if (long && DIRS.has(long)) kind = "dir";
  return { long, short: o.short, description: o.description, value, kind };
}

/** Describe `program` (its commands and flags) for the generators below. */
export function completionSpec(program: CommandUnknownOpts): CompletionSpec {
  const help = { long: "--help", short: "-h", description: "show help", value: false, kind: "any" };
  return {
    program: program.name(),
    globalFlags: [...program.options.filter((o) => !o.hidden).map(flagSpec), help as FlagSpec],
    commands: program.commands.map((c) => ({
      name: c.name(),
      description: c.description(),
      flags: [...c.options.filter((o) => !o.hidden).map(flagSpec), help as FlagSpec],
    })),
  };
}

function names(flags: readonly FlagSpec[]): string[] {
  return flags.flatMap((f) => [f.long, f.short].filter((x): x is string => !!x));
}

/** A bash completion script (`source <(reactor completion bash)`). */
export function bashCompletion(s: CompletionSpec): string {
  const fn = `_${s.program.replace(/\W/g, "_")}`;
  const all = [...s.globalFlags, ...s.commands.flatMap((c) => c.flags)];
  const valued = (pred: (f: FlagSpec) => boolean) =>
    [...new Set(names(all.filter((f) => f.value && pred(f))))].join("|");
  const wordCases = [...new Set(all.filter((f) => f.value && typeof f.kind === "object"))]
    .flatMap((f) => names([f]).map((n) => [n, (f.kind as { words: string[] }).words] as const))
    .filter(([n], i, a) => a.findIndex(([m]) => m === n) === i)
    .map(([n, w]) => `    ${n}) COMPREPLY=($(compgen -W "${w.join(" ")}" -- "$cur")); return ;;`);
  const globalValued = names(s.globalFlags.filter((f) => f.value)).join("|");
  const commandCases = s.commands.map((c) =>
    `    ${c.name}) opts="${names(c.flags).join(" ")}" ;;`
  );
  return `# bash completion for ${s.program}: source <(${s.program} completion bash)
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" cmd="" i opts
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      ${globalValued}) ((i++)) ;;
      -*) ;;
      *) cmd="\${COMP_WORDS[i]}"; break ;;
    esac
  done
  case "$prev" in
${wordCases.join("\n")}
    ${valued((f) => f.kind === "file")}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    ${valued((f) => f.kind === "dir")}) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    ${valued((f) => f.kind === "any")}) return ;;
  esac
  case "$cmd" in
    "")
      if [[ "$cur" == -* ]]; then opts="${names(s.globalFlags).join(" ")}"
      else opts="${s.commands.map((c) => c.name).join(" ")}"; fi ;;
    completion) opts="${SHELLS.join(" ")}" ;;
${commandCases.filter((l) => !l.trim().startsWith("completion)")).join("\n")}
  esac
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -o default -F ${fn} ${s.program}
`;
}

function zshEscape(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll("'", "'\\''").replaceAll("[", "(")
    .replaceAll("]", ")").replaceAll(":", "\\:");
}

function zshFlag(f: FlagSpec): string[] {
  const action = !f.value
    ? ""
    : typeof f.kind === "object"
    ? `:value:(${f.kind.words.join(" ")})`
    : f.kind === "file"
    ? ":file:_files"
    : f.kind === "dir"
    ? ":directory:_files -/"
    : ":value: ";
  const desc = `[${zshEscape(f.description)}]`;
  return names([f]).map((n) => `'${n}${desc}${action}'`);
}

/** A zsh completion script (save as `_reactor` in `$fpath`, or `source <(…)`). */
export function zshCompletion(s: CompletionSpec): string {
  const fn = `_${s.program.replace(/\W/g, "_")}`;
  // _describe splits "name:description" at the first colon: the description keeps its own
  const commands = s.commands.map((c) =>
    `    '${c.name}:${c.description.replaceAll("'", "'\\''")}'`
  );
  const cases = s.commands.map((c) =>
    c.name === "completion"
      ? `        completion) _arguments '1:shell:(${SHELLS.join(" ")})' ;;`
      : `        ${c.name}) _arguments ${c.flags.flatMap(zshFlag).join(" ")} ;;`
  );
  return `#compdef ${s.program}
# zsh completion for ${s.program}: ${s.program} completion zsh > "\${fpath[1]}/_${s.program}"
${fn}() {
  local -a commands
  commands=(
${commands.join("\n")}
  )
  local curcontext="$curcontext" state line
  _arguments -C ${s.globalFlags.flatMap(zshFlag).join(" ")} '1: :->command' '*:: :->args'
  case $state in
    command) _describe -t commands '${s.program} command' commands ;;
    args)
      case $words[1] in
${cases.join("\n")}
      esac ;;
  esac
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then ${fn} "$@"; else compdef ${fn} ${s.program}; fi
`;
}

function fishQuote(text: string): string {
  return `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

function fishFlag(program: string, cond: string, f: FlagSpec): string {
  const parts = [`complete -c ${program}`, `-n ${fishQuote(cond)}`];
  if (f.long) parts.push(`-l ${f.long.slice(2)}`);
  if (f.short) parts.push(`-s ${f.short.slice(1)}`);
  if (f.value) {
    if (typeof f.kind === "object") parts.push("-x", `-a ${fishQuote(f.kind.words.join(" "))}`);
    else if (f.kind === "file") parts.push("-r", "-F");
    else if (f.kind === "dir") parts.push("-x", `-a '(__fish_complete_directories)'`);
    else parts.push("-x");
  }
  parts.push(`-d ${fishQuote(f.description)}`);
  return parts.join(" ");
}

/** A fish completion script (`reactor completion fish | source`). */
export function fishCompletion(s: CompletionSpec): string {
  const p = s.program;
  const all = s.commands.map((c) => c.name).join(" ");
  const lines = [
    `# fish completion for ${p}: ${p} completion fish > ~/.config/fish/completions/${p}.fish`,
    `complete -c ${p} -f`,
    ...s.globalFlags.map((f) => fishFlag(p, "true", f)),
    ...s.commands.map((c) =>
      `complete -c ${p} -n ${fishQuote(`not __fish_seen_subcommand_from ${all}`)} -a ${c.name} -d ${
        fishQuote(c.description)
      }`
    ),
    ...s.commands.flatMap((c) =>
      c.name === "completion"
        ? [
          `complete -c ${p} -n ${fishQuote("__fish_seen_subcommand_from completion")} -a ${
            fishQuote(SHELLS.join(" "))
          }`,
        ]
        : c.flags.map((f) => fishFlag(p, `__fish_seen_subcommand_from ${c.name}`, f))
    ),
  ];
  return lines.join("\n") + "\n";
}

/** `reactor completion <shell>`: print the script for the program this command belongs to. */
export function completionCommand(): Command<[string]> {
  return new Command("completion")
    .description("print a shell completion script: bash, zsh or fish")
    .argument("<shell>", `one of ${SHELLS.join(", ")}`)
    .addHelpText(
      "after",
      `
Install:
  bash: reactor completion bash > /etc/bash_completion.d/reactor
  zsh:  reactor completion zsh > "\${fpath[1]}/_reactor"
  fish: reactor completion fish > ~/.config/fish/completions/reactor.fish`,
    )
    .action(async (shell, _opts, c) => {
      const program = c.parent;
      if (!program) throw new UsageError("completion must be a subcommand of reactor");
      const spec = completionSpec(program);
      const make = { bash: bashCompletion, zsh: zshCompletion, fish: fishCompletion }[
        shell as typeof SHELLS[number]
      ];
      if (!make) {
        throw new UsageError(`Unknown shell "${shell}": use ${SHELLS.join(", ")}`);
      }
      await Deno.stdout.write(new TextEncoder().encode(make(spec)));
    });
}
