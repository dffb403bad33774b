/**
 * reactor's public surface for code that imports it as a module: the types a
 * `reactor.config.ts` sees (the same file `reactor init` writes as `reactor.d.ts`). A config
 * needs no runtime import from reactor; importing these types is optional.
 *
 * @example
 * ```ts ignore
 * import type { Config } from "@reactor/reactor";
 * export default { onStart: (c, ctx) => ctx.log.info(c.name) } satisfies Config;
 * ```
 *
 * @module
 */
export type * from "./reactor.d.ts";
