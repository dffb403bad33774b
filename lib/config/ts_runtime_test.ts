import assert from "node:assert/strict";
import { loadTsFile } from "./ts_loader.ts";
import { isWorkerFunction, WORKER_FN } from "./ts_runtime.ts";
import type { ContainerInfo, ReactorEvent } from "../reactor.d.ts";
import type { HostContext } from "../engine/hook.ts";
import type { DockerClient } from "../docker/client.ts";
import { getLog } from "../log.ts";

async function withFile(text: string, fn: (path: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/reactor.config.ts`, text);
    await fn(`${dir}/reactor.config.ts`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("loadTsFile() refuses a config that loops forever at top level, naming the file", async () => {
  await withFile("while (true) {}\nexport default {};\n", async (path) => {
    const r = await loadTsFile(path, { timeoutMs: 1_000 });
    assert.equal(r.runtime, undefined);
    assert.deepEqual(r.problems, [
      `${path}: the config did not finish loading within 1s (an endless loop, or a promise that never settles, at top level or in its default export) — fix the code that runs at load time, or raise --config-timeout`,
    ]);
  });
});

Deno.test("loadTsFile() refuses a default export that never settles, and loads the next one", async () => {
  await withFile("export default () => new Promise(() => {});\n", async (path) => {
    const r = await loadTsFile(path, { timeoutMs: 500 });
    assert.match(r.problems[0]!, /did not finish loading within 500ms/);
    await Deno.writeTextFile(path, "export default { onStart: () => {} };\n");
    const ok = await loadTsFile(path, { timeoutMs: 5_000 });
    assert.deepEqual(ok.problems, []);
    ok.runtime!.close();
  });
});

const EVENT: ReactorEvent = {
  hostId: "default",
  type: "container",
  action: "start",
  rawAction: "start",
  actor: { id: "c1", attributes: { name: "web" } },
  scope: "local",
  time: 1,
  timeNano: "1000000000",
  synthetic: false,
  raw: "",
};
const HOST: HostContext = {
  id: "default",
  name: "engine",
  docker: {} as DockerClient,
  rootless: false,
  local: true,
};

Deno.test("a handler that never yields is stopped: its Worker is replaced and later calls work", async () => {
  await withFile(
    `let calls = 0;\nexport default {\n  onStart: (c, ctx) => { calls++; if (c.name === "spin") while (true) {} ctx.log.info("ran " + calls); },\n};\n`,
    async (path) => {
      const r = await loadTsFile(path, { timeoutMs: 5_000 });
      assert.deepEqual(r.problems, []);
      const fn = (r.value as { onStart: unknown }).onStart;
      assert.ok(isWorkerFunction(fn));
      const { runtime, path: fnPath } = fn[WORKER_FN];
      const lines: string[] = [];
      const log = {
        ...getLog(),
        info: (m: string) => void lines.push(m),
        error: (m: string) => void lines.push(`ERROR ${m}`),
      };
      const invoke = (name: string, signal: AbortSignal) =>
        runtime.invoke({
          fn: fnPath,
          container: { name } as ContainerInfo,
          event: EVENT,
          host: HOST,
          movedOn: false,
          exec: () => Promise.reject(new Error("no exec here")),
          log: { ...log, child: () => log },
          signal,
        });
      const ac = new AbortController();
      const spinning = invoke("spin", ac.signal);
      setTimeout(() => ac.abort(new Error("timeout")), 300);
      await assert.rejects(spinning, /never yielded/);
      assert.equal(runtime.restarts, 1);
      assert.ok(
        lines.some((l) => /ERROR Handler "onStart" .* never yielded/.test(l)),
        lines.join("\n"),
      );
      // the config was loaded again into a fresh Worker: state starts over, calls work
      await invoke("web", new AbortController().signal);
      assert.ok(lines.includes("ran 1"), lines.join("\n"));
      runtime.close();
    },
  );
});
