/** reactor's version (kept in sync with deno.json by a test). */
export const VERSION = "0.1.0";
