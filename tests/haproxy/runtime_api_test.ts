/**
 * RuntimeApi against a real HAProxy (no containers needed), and the built-in template's output
 * checked by `haproxy -c`.
 */
import assert from "node:assert/strict";
import { freePort, startHaproxy } from "../harness/haproxy.ts";
import { RuntimeApiError } from "../../lib/haproxy/errors.ts";
import { RuntimeApi } from "../../lib/haproxy/runtime_api.ts";
import { exec } from "../../lib/exec/run.ts";
import { balancerModel } from "../../lib/haproxy/labels.ts";
import { builtinRenderer, renderConfig } from "../../lib/haproxy/render.ts";
import { container } from "../../lib/haproxy/_fixtures.ts";

Deno.test("RuntimeApi manages dynamic servers on a real HAProxy", async (t) => {
  const port = freePort();
  const h = await startHaproxy(({ statsSocket }) =>
    `global\n    stats socket ${statsSocket} mode 600 level admin expose-fd listeners\n` +
    `defaults\n    mode http\n    timeout connect 1s\n    timeout client 5s\n    timeout server 5s\n` +
    `frontend fe\n    bind 127.0.0.1:${port}\n    default_backend be\n` +
    `backend be\n    balance roundrobin\n    server s1 127.0.0.1:9 weight 10\n` +
    `backend off\n    server d1 127.0.0.1:9 check disabled\n`
  );
  const api = h.api;
  try {
    await t.step("showInfo() and showServersState() parse HAProxy's answers", async () => {
      assert.equal((await api.showInfo())["Name"], "HAProxy");
      assert.equal(await api.workerPid(), Number((await api.showInfo())["Pid"]));
      const s = await api.showServersState();
      assert.deepEqual(s.map((x) => [x.backend, x.server, x.address, x.port, x.weight, x.maint]), [
        ["be", "s1", "127.0.0.1", 9, 10, false],
        ["off", "d1", "127.0.0.1", 9, 1, true],
      ]);
    });

    await t.step(
      "a server disabled in the config counts as in maintenance until enabled",
      async () => {
        await api.enableServer("off", "d1");
        const d1 = (await api.showServersState()).find((x) => x.server === "d1")!;
        assert.equal(d1.maint, false, `admin state ${d1.adminState}`);
      },
    );

    await t.step(
      "addServer() adds in maintenance; enable, weight, addr, disable, del",
      async () => {
        await api.addServer("be", "s2", "127.0.0.1:10 weight 5 check inter 1s");
        let s2 = (await api.showServersState()).find((x) => x.server === "s2")!;
        assert.equal(s2.maint, true, "added servers start in maintenance");
        await api.enableHealth("be", "s2");
        await api.enableServerAfterChecks("be", "s2");
        s2 = (await api.showServersState()).find((x) => x.server === "s2")!;
        assert.equal(s2.maint, false);
        assert.equal(s2.opState, 0, "DOWN until its checks pass");
        await api.setWeight("be", "s2", 256);
        await api.setAddress("be", "s2", "127.0.0.2", 11);
        s2 = (await api.showServersState()).find((x) => x.server === "s2")!;
        assert.deepEqual([s2.weight, s2.address, s2.port], [256, "127.0.0.2", 11]);
        await api.disableServer("be", "s2");
        await api.delServer("be", "s2");
        assert.deepEqual((await api.showServersState()).map((x) => x.server), ["s1", "d1"]);
      },
    );

    await t.step("refused commands throw one-line errors naming the command", async () => {
      const err = await api.delServer("be", "nope").catch((e) => e);
      assert.ok(err instanceof RuntimeApiError);
      assert.match(
        err.message,
        /^Cannot run "del server be\/nope" on the HAProxy Runtime API at .*: HAProxy answered: No such server\.$/,
      );
      await assert.rejects(
        api.setWeight("be", "s1", 257),
        /a weight is a whole number from 0 to 256/,
      );
      await assert.rejects(api.delServer("be", "s1"), /must be in maintenance|maintenance mode/i);
    });

    await t.step(
      "arguments that could smuggle a second command are refused before sending",
      async () => {
        await assert.rejects(
          api.addServer("be", "x", "127.0.0.1:1; shutdown frontend fe"),
          /contain ; # quotes/,
        );
        await assert.rejects(
          api.enableServer("be", "x;y"),
          /is not a valid backend or server name/,
        );
        await assert.rejects(
          api.send("show info\nshutdown frontend fe"),
          /may not contain a newline/,
        );
        assert.equal((await api.showServersState()).length, 2);
      },
    );

    await t.step("a missing socket names the socket and the fix", async () => {
      const gone = new RuntimeApi(`${h.dir}/missing.sock`);
      await assert.rejects(
        gone.showInfo(),
        /Cannot run "show info" .*missing\.sock: .*check that HAProxy runs with "stats socket/,
      );
    });
  } finally {
    await h.close();
  }
});

Deno.test("the built-in template's config passes haproxy -c", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { model } = balancerModel([
      container("a", "10.0.0.2", { glue_http_80_host: "a.io" }),
      container("w", "10.0.0.3", { glue_http_80_host: "*.a.io", glue_http_80_weight: "0" }),
      container("s", "10.0.0.4", {
        glue_http_80_prefix: "v1.2/api",
        glue_http_80_strip_prefix: "1",
      }, { health: "starting" }),
      container("any", "10.0.0.5", { glue_http_ports: "80,8080" }),
      container("db", "10.0.0.6", { glue_tcp_ports: "5432,5433", glue_tcp_5433_weight: "3" }),
    ], { statsSocket: `${dir}/admin.sock`, bindAddress: "127.0.0.1" });
    await Deno.writeTextFile(`${dir}/h.cfg`, await renderConfig(builtinRenderer(), model));
    const r = await exec(["haproxy", "-c", "-f", `${dir}/h.cfg`]);
    assert.match(r.stdout + r.stderr, /Configuration file is valid/);
    assert.doesNotMatch(r.stdout + r.stderr, /WARNING/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
