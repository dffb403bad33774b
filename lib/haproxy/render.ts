/**
 * The render step: {@link BalancerModel} → haproxy.cfg text. A renderer is just a function
 * `(model) => string`; three kinds exist:
 *
 * - the built-in template ({@link builtinRenderer}), a Nunjucks file embedded in the binary;
 * - a user template file ({@link templateRenderer}), Nunjucks (Jinja2 syntax), read from disk at
 *   every render so edits apply on the next change; `{% extends %}`/`{% include %}` resolve inside
 *   the template directory only;
 * - a TS function from `reactor.config.ts` (passed as is).
 *
 * {@link renderConfig} runs any of them and turns every failure into one {@link RenderError}.
 * Nunjucks is loaded at the first render (a daemon without a balancer never pays for it).
 *
 * @module
 */
// @ts-types="@types/nunjucks"
import type nunjucks from "nunjucks";
import builtinTemplate from "./haproxy.cfg.njk" with { type: "text" };
import { RenderError } from "./errors.ts";
import type { BalancerModel } from "./model.ts";

/** Turns a model into haproxy.cfg text. */
export type Renderer = (model: BalancerModel) => string | Promise<string>;

/** The text of the built-in template (for `reactor` to print as a starting point). */
export const BUILTIN_TEMPLATE: string = builtinTemplate;

/** Renderers carry a description for messages. */
const SOURCES = new WeakMap<Renderer, string>();

function describe(r: Renderer): string {
  return SOURCES.get(r) ?? "the render function";
}

type Nunjucks = typeof nunjucks;
let loading: Promise<Nunjucks> | undefined;

/** The Nunjucks module, imported once, on first use. */
function loadNunjucks(): Promise<Nunjucks> {
  return loading ??= import("nunjucks").then((m) => m.default);
}

function environment(nj: Nunjucks, loader: nunjucks.ILoader | null): nunjucks.Environment {
  // HAProxy config is not HTML: no autoescape. Values in the model are validated already.
  return new nj.Environment(loader, { autoescape: false, throwOnUndefined: true });
}

function context(model: BalancerModel): Record<string, unknown> {
  return { ...model, model };
}

/**
 * The built-in template as a renderer.
 *
 * @example
 * ```ts ignore
 * const text = await renderConfig(builtinRenderer(), model);
 * ```
 */
export function builtinRenderer(): Renderer {
  let compiled: nunjucks.Template | undefined;
  const r: Renderer = async (model) => {
    if (!compiled) {
      const nj = await loadNunjucks();
      const env = environment(nj, null);
      compiled = new nj.Template(BUILTIN_TEMPLATE, env, "builtin haproxy.cfg.njk", true);
    }
    return compiled.render(context(model));
  };
  SOURCES.set(r, "the built-in template");
  return r;
}

/** A loader that reads templates from one directory; names may not leave it. */
function dirLoader(dir: string): nunjucks.ILoader {
  return {
    getSource(name: string): nunjucks.LoaderSource {
      const path = resolveIn(dir, name);
      return { src: Deno.readTextFileSync(path), path, noCache: true };
    },
  };
}

/** `dir` + `name`, refusing absolute names and `..` that would leave `dir`. */
function resolveIn(dir: string, name: string): string {
  const parts = name.split("/").filter((p) => p !== "" && p !== ".");
  if (name.startsWith("/") || parts.includes("..") || parts.length === 0) {
    throw new Error(
      `template name "${name}" must be relative to the template directory ${dir} without ".."`,
    );
  }
  return `${dir.replace(/\/+$/, "")}/${parts.join("/")}`;
}

/** Where a user template lives. */
export interface TemplateLocation {
  /** Directory that holds the template and everything it extends or includes. */
  dir: string;
  /** File name inside `dir`. */
  file: string;
}

/**
 * A user template file as a renderer (Nunjucks, Jinja2 syntax). The file is read at every
 * render, so a fixed template applies on the next change without restarting reactor.
 *
 * @example
 * ```ts ignore
 * const r = templateRenderer({ dir: "/etc/reactor/templates", file: "haproxy.cfg.j2" });
 * ```
 */
export function templateRenderer(loc: TemplateLocation): Renderer {
  let env: nunjucks.Environment | undefined;
  const r: Renderer = async (model) => {
    env ??= environment(await loadNunjucks(), dirLoader(loc.dir));
    return env.render(loc.file, context(model));
  };
  SOURCES.set(r, `template "${resolveIn(loc.dir, loc.file)}"`);
  return r;
}

/** Name a TS render function for messages (`the render function of reactor.config.ts`). */
export function namedRenderer(fn: Renderer, source: string): Renderer {
  const r: Renderer = (model) => fn(model);
  SOURCES.set(r, source);
  return r;
}

/**
 * Run a renderer. Throws {@link RenderError} when it throws, returns something other than a
 * string, or returns an empty config.
 */
export async function renderConfig(renderer: Renderer, model: BalancerModel): Promise<string> {
  let out: unknown;
  try {
    out = await renderer(model);
  } catch (err) {
    throw new RenderError(describe(renderer), messageOf(err), { cause: err });
  }
  if (typeof out !== "string") {
    throw new RenderError(describe(renderer), `it returned ${typeof out}, not a string`);
  }
  if (out.trim() === "") throw new RenderError(describe(renderer), "it produced an empty config");
  return out.endsWith("\n") ? out : `${out}\n`;
}

function messageOf(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  // Nunjucks: "(path) [Line 3, Column 5]\n  unexpected token: %}"
  return m.replace(/^\(([^)]*)\)\s*/, "")
    .replace(/^\[Line (\d+), Column (\d+)\]\s*/, "line $1, column $2: ")
    .replace(/\s*\n\s*/g, " ").replace(/: : /g, ": ");
}
