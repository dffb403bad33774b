/**
 * Docker Glue compatibility: load `docker-glue.d/*.ini` handler files (`loadGlueDirs`), pick the
 * handlers for an event with Glue's `all` / `none` / `triggers-none` rules (`dispatchGlue`), and
 * run `ScriptHandler` scripts without a shell (`runGlueScript`). `reactor check` rows come from
 * `glueCheckRows`. The `glue:` config section and `--glue-dir` are read by the `glue` built-in
 * hook (`hooks/glue.ts`).
 *
 * @module
 */
export * from "./classes.ts";
export * from "./dispatch.ts";
export * from "./handlers.ts";
export * from "./ini.ts";
export * from "./report.ts";
export * from "./resolve.ts";
export * from "./script_handler.ts";
