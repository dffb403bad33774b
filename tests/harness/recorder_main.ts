/**
 * Test entry point: `reactor run` / `reactor once` exactly as main.ts wires them, but with the
 * recorder hook. Env: DOCKER_HOST, REACTOR_STATE_DIR, RECORD_FILE, RECORD_MODE (run|once),
 * RECORD_DELAY_MS, RECORD_FAIL_NAME.
 */
import { hostConnectors, resolveGlobals } from "../../lib/cli/globals.ts";
import { loadCliConfig } from "../../lib/cli/config.ts";
import { runDaemon, runOnce } from "../../lib/cli/run.ts";
import { recorderHook } from "./recorder.ts";

const env = Deno.env;
const g = resolveGlobals({ logLevel: env.get("RECORD_LOG_LEVEL") ?? "info" });
const hook = recorderHook({
  file: env.get("RECORD_FILE"),
  maxDelayMs: Number(env.get("RECORD_DELAY_MS") ?? 0),
  failName: env.get("RECORD_FAIL_NAME"),
});
const opts = {
  hooks: [hook],
  hosts: hostConnectors(g, (await loadCliConfig(g, { config: [] })).hosts),
  engine: { drainTimeout: env.get("RECORD_DRAIN") },
};
const code = env.get("RECORD_MODE") === "once" ? await runOnce(g, opts) : await runDaemon(g, opts);
Deno.exit(code);
