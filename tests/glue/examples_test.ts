/**
 * `examples/glue/` runs as its README says, end to end: `reactor run --glue-dir
 * examples/glue/docker-glue.d` against a private dockerd, with a real HAProxy at Debian's default
 * paths (sandboxed in a private mount namespace, reloaded through `systemctl reload haproxy`).
 * notify.sh reports `none`, then the container's start and die; the container started as in the
 * README answers through HAProxy and leaves it when stopped.
 */
import assert from "node:assert/strict";
import { startDockerd } from "../harness/dockerd.ts";
import { freePort } from "../harness/haproxy.ts";
import { startSystemHaproxy } from "../harness/system_haproxy.ts";
import { exec } from "../../lib/exec/run.ts";

const EXAMPLE = new URL("../../examples/glue/", import.meta.url).pathname;

async function waitFor(fn: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (await Promise.resolve().then(fn).catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

Deno.test("examples/glue runs as written: notify.sh for none/start/die, lb.ini routes through HAProxy", async () => {
  // a root-owned private copy, as `sudo chown -R root:root examples/glue` would leave it
  const root = await Deno.makeTempDir({ prefix: "rx-glue-example-" });
  await exec(["cp", "-a", `${EXAMPLE}.`, root]);
  await exec(["chmod", "-R", "go-w", root]);
  const d = await startDockerd();
  const sys = await startSystemHaproxy().catch(async (err) => {
    await d.close();
    throw err;
  });
  const port = freePort();
  const tag = crypto.randomUUID().slice(0, 6);
  const [web1, web2] = [`web1-${tag}`, `web2-${tag}`];
  const reactor = sys.reactor([
    "run",
    "--host",
    d.host,
    "--state-dir",
    `${root}/state`,
    "--scripts-dir",
    root,
    "--glue-dir",
    `${root}/docker-glue.d`,
  ]);
  const url = `http://127.0.0.1:${port}/`;
  // the README's curl
  const get = async () =>
    (await exec(["curl", "-s", "-H", "Host: localhost", url], {
      timeoutMs: 10_000,
      okCodes: [0, 7, 52, 56],
    })).stdout;
  try {
    await reactor.waitForOutput(/glue example: none \(startup or after a triggers-none handler\)/);
    await reactor.waitForOutput(/HAProxy reloaded/);
    // the README's containers (on a free port)
    const web = (n: string) =>
      d.runContainer(n, {
        args: ["--init"],
        labels: { [`glue_http_${port}_host`]: "localhost" },
        cmd: ["sh", "-c", `echo hello from ${n} > /index.html; exec httpd -f -p ${port} -h /`],
      });
    const id1 = await web(web1);
    await reactor.waitForOutput(
      new RegExp(`glue example: container ${web1} \\(${id1.slice(0, 12)}\\) start ip=10\\.`),
    );
    await waitFor(async () => await get() === `hello from ${web1}\n`, "web1 through HAProxy");
    await web(web2);
    const seen = new Set<string>();
    await waitFor(async () => {
      seen.add(await get());
      return seen.has(`hello from ${web1}\n`) && seen.has(`hello from ${web2}\n`);
    }, "web1 and web2 taking turns through HAProxy");
    // the first container created the frontend (a reload), the second went in at runtime
    assert.deepEqual(await sys.systemctlCalls(), ["reload haproxy", "reload haproxy"]);
    assert.match(reactor.output(), /HAProxy servers updated through the Runtime API/);

    await d.docker("stop", web1);
    await reactor.waitForOutput(new RegExp(`glue example: container ${web1} .* die `));
    await waitFor(async () => {
      const got = await Promise.all([get(), get(), get(), get()]);
      return got.every((x) => x === `hello from ${web2}\n`);
    }, "web1 out of HAProxy");
    assert.deepEqual(await sys.systemctlCalls(), ["reload haproxy", "reload haproxy"], "no reload");
  } finally {
    reactor.kill("SIGTERM");
    const code = await reactor.wait();
    await d.docker("rm", "-f", web1, web2).catch(() => {});
    await sys.close();
    await d.close();
    await Deno.remove(root, { recursive: true });
    assert.equal(code, 0, reactor.output().slice(-3000));
  }
});
