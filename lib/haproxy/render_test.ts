import assert from "node:assert/strict";
import { container } from "./_fixtures.ts";
import { RenderError } from "./errors.ts";
import { balancerModel } from "./labels.ts";
import type { BalancerModel } from "./model.ts";
import {
  BUILTIN_TEMPLATE,
  builtinRenderer,
  namedRenderer,
  renderConfig,
  templateRenderer,
} from "./render.ts";

function model(): BalancerModel {
  return balancerModel([
    container("a", "10.0.0.2", { glue_http_80_host: "a.io" }),
    container("s", "10.0.0.3", {
      glue_http_80_host: "a.io",
      glue_http_80_prefix: "api",
      glue_http_80_strip_prefix: "1",
      glue_http_80_weight: "7",
    }),
    container("db", "10.0.0.4", { glue_tcp_ports: "5432" }),
  ], { statsSocket: "/run/haproxy/admin.sock", bindAddress: "127.0.0.1" }).model;
}

Deno.test("builtinRenderer() writes frontends, ACLs, replace-path and server lines", async () => {
  const text = await renderConfig(builtinRenderer(), model());
  const lines = text.split("\n").map((l) => l.trim());
  for (
    const want of [
      "stats socket /run/haproxy/admin.sock mode 600 level admin expose-fd listeners",
      "frontend fe_http_80 from http",
      "bind 127.0.0.1:80",
      "acl host_1 req.hdr(host),field(1,:) -i a.io",
      "acl path_1 path /api",
      "acl path_1 path_beg /api/",
      "use_backend be_http_80_a.io_api if host_1 path_1",
      "use_backend be_http_80_a.io if host_1",
      "frontend fe_tcp_5432 from tcp",
      "default_backend be_tcp_5432",
      "backend be_http_80_a.io_api from http",
      "http-request replace-path ^/api/?(.*)$ /\\1",
      "backend be_tcp_5432 from tcp",
    ]
  ) assert.ok(lines.includes(want), `missing: ${want}\n${text}`);
  assert.ok(lines.some((l) => /^server s_\w+ 10\.0\.0\.3:80 weight 7 check /.test(l)), text);
  // the api route comes before the host-only route
  assert.ok(text.indexOf("if host_1 path_1") < text.indexOf("if host_1\n"));
});

Deno.test("builtinRenderer() renders an empty model (no containers yet)", async () => {
  const text = await renderConfig(
    builtinRenderer(),
    balancerModel([], { statsSocket: "/s.sock" }).model,
  );
  assert.match(text, /^global$/m);
  assert.doesNotMatch(text, /^frontend/m);
});

Deno.test("templateRenderer() reads the file each time and resolves extends in its directory", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/base.njk`, "# base\n{% block body %}{% endblock %}");
    await Deno.writeTextFile(
      `${dir}/main.njk`,
      `{% extends "base.njk" %}{% block body %}{% for b in backends %}{{ b.name }} {% endfor %}{% endblock %}`,
    );
    const r = templateRenderer({ dir, file: "main.njk" });
    assert.equal(
      await renderConfig(r, model()),
      "# base\nbe_http_80_a.io be_http_80_a.io_api be_tcp_5432 \n",
    );
    await Deno.writeTextFile(
      `${dir}/main.njk`,
      `{% extends "base.njk" %}{% block body %}v2{% endblock %}`,
    );
    assert.equal(await renderConfig(r, model()), "# base\nv2\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("templateRenderer() errors are one-line RenderErrors; templates cannot leave their directory", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/bad.njk`, "{% for x in backends %}\n{{ x.name }");
    await Deno.writeTextFile(`${dir}/escape.njk`, `{% include "../etc/passwd" %}`);
    await Deno.writeTextFile(`${dir}/undef.njk`, `{{ nothing.here }}`);
    for (
      const [file, re] of [
        ["bad.njk", /": line 2, column \d+: expected variable end/],
        ["escape.njk", /must be relative to the template directory/],
        ["undef.njk", /undefined/],
        ["missing.njk", /No such file|not found|NotFound/i],
      ] as const
    ) {
      const err = await renderConfig(templateRenderer({ dir, file }), model()).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof RenderError, file);
      assert.match(err.message, /^Cannot render the HAProxy config from template ".*": /);
      assert.match(err.message, re, `${file}: ${err.message}`);
      assert.match(err.message, / — fix the template$/);
      assert.ok(!err.message.includes("\n"), err.message);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("renderConfig() runs a TS render function, sync or async, and checks what it returns", async () => {
  assert.equal(
    await renderConfig(namedRenderer((m) => `# ${m.backends.length} backends`, "fn"), model()),
    "# 3 backends\n",
  );
  assert.equal(
    await renderConfig(
      namedRenderer((m) => Promise.resolve(`# ${m.http.length}\n`), "fn"),
      model(),
    ),
    "# 1\n",
  );
  const wrong = namedRenderer(
    () => 42 as unknown as string,
    "the render function of reactor.config.ts",
  );
  await assert.rejects(
    renderConfig(wrong, model()),
    /from the render function of reactor\.config\.ts: it returned number/,
  );
  const empty = namedRenderer(() => "  \n", "f");
  await assert.rejects(renderConfig(empty, model()), /produced an empty config/);
  const throws = namedRenderer(() => {
    throw new Error("boom");
  }, "f");
  await assert.rejects(renderConfig(throws, model()), /from f: boom — fix the template/);
});

Deno.test("BUILTIN_TEMPLATE is the embedded Nunjucks text users can start from", () => {
  assert.match(BUILTIN_TEMPLATE, /\{% for fe in http %\}/);
});
