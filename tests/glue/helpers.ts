/**
 * Shared helpers for the Glue tests: a recording Log, the fixture paths, and a private glue
 * layout (`<tmp>/docker-glue.d` + `<tmp>/handler-scripts`) built from them.
 *
 * @module
 */
import type { Log, LogFields } from "../../lib/log.ts";

/** One recorded log line. */
export interface LogRecordLine {
  level: string;
  message: string;
  fields: LogFields;
}

/** A Log that keeps every record in `records`. */
export function memLog(
  records: LogRecordLine[] = [],
  bound: LogFields = {},
): Log & { records: LogRecordLine[] } {
  const push = (level: string) => (message: string, fields?: LogFields) =>
    records.push({ level, message, fields: { ...bound, ...fields } });
  return {
    records,
    debug: push("debug"),
    info: push("info"),
    warn: push("warn"),
    error: push("error"),
    child: (f) => memLog(records, { ...bound, ...f }),
  };
}

/** `tests/glue/fixtures/` (absolute). */
export const FIXTURES = new URL("./fixtures/", import.meta.url).pathname;

/** A private copy of Glue's layout in a fresh temp dir (mode 0700, owned by whoever runs). */
export interface GlueLayout {
  root: string;
  /** `<root>/docker-glue.d` */
  glueDir: string;
  /** `<root>/handler-scripts` (the default `<glue dir>/../handler-scripts`). */
  scriptsDir: string;
  close(): Promise<void>;
}

/**
 * Make `<tmp>/docker-glue.d` and `<tmp>/handler-scripts`. `inis` maps INI file names to their
 * text; `scripts` maps script names to their text (written mode 0755).
 */
export async function glueLayout(
  inis: Record<string, string> = {},
  scripts: Record<string, string> = {},
): Promise<GlueLayout> {
  const root = await Deno.makeTempDir({ prefix: "rx-glue-" });
  const glueDir = `${root}/docker-glue.d`;
  const scriptsDir = `${root}/handler-scripts`;
  await Deno.mkdir(glueDir, { mode: 0o755 });
  await Deno.mkdir(scriptsDir, { mode: 0o755 });
  for (const [name, text] of Object.entries(inis)) {
    await Deno.writeTextFile(`${glueDir}/${name}`, text, { mode: 0o644 });
  }
  for (const [name, text] of Object.entries(scripts)) {
    await Deno.writeTextFile(`${scriptsDir}/${name}`, text, { mode: 0o755 });
    await Deno.chmod(`${scriptsDir}/${name}`, 0o755);
  }
  return {
    root,
    glueDir,
    scriptsDir,
    close: () => Deno.remove(root, { recursive: true }),
  };
}

/** The text of a fixture file (unchanged bytes). */
export async function fixture(path: string): Promise<string> {
  return await Deno.readTextFile(`${FIXTURES}${path}`);
}

/** Git blob ids of the files in muayyad-alsadi/docker-glue@9e274aa. */
export const GLUE_BLOBS: Record<string, string> = {
  "docker-glue.d/lb.ini.example": "41e3b1f0a9f92e58ff4eb9b1349dadf3cd2bbdef",
  "docker-glue.d/test.ini.example": "8afe7cc3e02b9b8c1c6f868d7bf82a058eda29e7",
  "docker-glue.d/ovs.ini.example": "1ec2888b5e8017c938593d9a89cf0af9636cdcab",
  "docker-glue.d/publisher.ini.example": "e8b4ddd61c2b3147d6be2a9bc8923dae7ab4a5d7",
  "handler-scripts/test-handler.sh": "30f6982dde1bcf73c5cc687a1166946f384be3cd",
};

/** The git blob id of a file (proves a fixture is byte-identical to Glue's). */
export async function blobId(path: string): Promise<string> {
  const body = await Deno.readFile(path);
  const head = new TextEncoder().encode(`blob ${body.length}\0`);
  const all = new Uint8Array(head.length + body.length);
  all.set(head);
  all.set(body, head.length);
  const sum = new Uint8Array(await crypto.subtle.digest("SHA-1", all));
  return [...sum].map((b) => b.toString(16).padStart(2, "0")).join("");
}
