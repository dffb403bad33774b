import assert from "node:assert/strict";
import { Command } from "commander";
import { bashCompletion, completionSpec, fishCompletion, zshCompletion } from "./completion.ts";

function program() {
  const p = new Command("tool").option("--log-level <level>", "how loud: [quiet] or it's loud");
  p.addCommand(
    new Command("run").description("run it: now").option("-c, --config <path>", "the config"),
  );
  return p;
}

Deno.test("completionSpec() reads commands, flags and what their values are", () => {
  const s = completionSpec(program());
  assert.equal(s.program, "tool");
  assert.deepEqual(s.globalFlags[0], {
    long: "--log-level",
    short: undefined,
    description: "how loud: [quiet] or it's loud",
    value: true,
    kind: { words: ["trace", "debug", "info", "warn", "error", "fatal"] },
  });
  const run = s.commands[0]!;
  assert.equal(run.name, "run");
  assert.deepEqual(run.flags[0], {
    long: "--config",
    short: "-c",
    description: "the config",
    value: true,
    kind: "file",
  });
});

Deno.test("the scripts quote descriptions for their shell", () => {
  const s = completionSpec(program());
  const zsh = zshCompletion(s);
  assert.ok(zsh.startsWith("#compdef tool\n"));
  assert.ok(zsh.includes(`'run:run it: now'`), zsh);
  assert.ok(
    zsh.includes(
      `'--log-level[how loud\\: (quiet) or it'\\''s loud]:value:(trace debug info warn error fatal)'`,
    ),
    zsh,
  );
  const fish = fishCompletion(s);
  assert.ok(
    fish.includes(
      `-l log-level -x -a 'trace debug info warn error fatal' -d 'how loud: [quiet] or it\\'s loud'`,
    ),
    fish,
  );
  assert.ok(
    fish.includes(`-n '__fish_seen_subcommand_from run' -l config -s c -r -F -d 'the config'`),
    fish,
  );
  const bash = bashCompletion(s);
  assert.ok(bash.includes(`    --config|-c) COMPREPLY=($(compgen -f -- "$cur")); return ;;`), bash);
  assert.ok(bash.includes("complete -o default -F _tool tool"), bash);
});
