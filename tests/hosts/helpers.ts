/**
 * Shared helpers for the host integration tests: openssl certificates, a free loopback port, a
 * minimal per-host event pump (what the engine does, reduced to collecting events) and a Log
 * that records lines.
 *
 * @module
 */
import { exec } from "../../lib/exec/run.ts";
import type { ReactorEvent } from "../../lib/reactor.d.ts";
import type { ConfiguredConnector as HostConnector } from "../../lib/hosts/connector.ts";
import type { Log, LogFields } from "../../lib/log.ts";

/** Files made by {@link makeCerts}. */
export interface TestCerts {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A CA that signed nothing the daemon uses. */
  wrongCa: string;
}

async function ossl(dir: string, ...args: string[]): Promise<void> {
  await exec(["openssl", ...args], { cwd: dir, timeoutMs: 30_000 });
}

/** CA, server cert (IP SAN 127.0.0.1), client cert (clientAuth) and an unrelated CA. */
export async function makeCerts(dir: string): Promise<TestCerts> {
  await Deno.mkdir(dir, { recursive: true });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await ossl(
    dir,
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca-key.pem",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=reactor-test-ca",
  );
  await ossl(
    dir,
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "wrong-ca-key.pem",
    "-out",
    "wrong-ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=reactor-wrong-ca",
  );
  const leaf = async (name: string, cn: string, ext: string) => {
    await Deno.writeTextFile(`${dir}/${name}.ext`, ext);
    await ossl(
      dir,
      "req",
      ...ec,
      "-keyout",
      `${name}-key.pem`,
      "-out",
      `${name}.csr`,
      "-subj",
      `/CN=${cn}`,
    );
    await ossl(
      dir,
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca-key.pem",
      "-CAcreateserial",
      "-out",
      `${name}.pem`,
      "-days",
      "2",
      "-extfile",
      `${name}.ext`,
    );
  };
  await leaf(
    "server",
    "127.0.0.1",
    "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n",
  );
  await leaf(
    "client",
    "reactor-client",
    "extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n",
  );
  return {
    dir,
    ca: `${dir}/ca.pem`,
    serverCert: `${dir}/server.pem`,
    serverKey: `${dir}/server-key.pem`,
    clientCert: `${dir}/client.pem`,
    clientKey: `${dir}/client-key.pem`,
    wrongCa: `${dir}/wrong-ca.pem`,
  };
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** A Log that keeps every record (and prints nothing). */
export interface RecordingLog extends Log {
  readonly lines: Array<{ level: string; message: string; fields: LogFields }>;
}

/** Make a {@link RecordingLog}. */
export function recordingLog(): RecordingLog {
  const lines: RecordingLog["lines"] = [];
  const make = (bound: LogFields): Log => {
    const rec = (level: string) => (message: string, fields?: LogFields) =>
      lines.push({ level, message, fields: { ...bound, ...fields } });
    return {
      debug: rec("debug"),
      info: rec("info"),
      warn: rec("warn"),
      error: rec("error"),
      child: (f) => make({ ...bound, ...f }),
    };
  };
  return Object.assign(make({}), { lines });
}

/**
 * Follow `/events` of one connector until `signal` aborts, reconnecting after errors (a
 * stand-in for one engine host loop). Every event lands in `out`; errors in `errors`.
 */
export async function pumpEvents(
  conn: HostConnector,
  signal: AbortSignal,
  out: ReactorEvent[],
  errors: string[] = [],
  filters: Record<string, string[]> = { type: ["volume"] },
): Promise<void> {
  // Like the engine's cursor: never miss what happened while (re)connecting.
  let since = `${Math.floor(Date.now() / 1000) - 1}`;
  while (!signal.aborted) {
    try {
      const docker = await conn.connect(signal);
      for await (const ev of await docker.events({ signal, filters, since })) {
        since = `${ev.time}`;
        out.push(ev);
      }
    } catch (err) {
      if (signal.aborted) break;
      errors.push((err as Error).message);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
