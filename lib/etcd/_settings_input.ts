/**
 * Internal: the two input shapes of the etcd settings (a `reactor.yaml` map with camelCase keys
 * and a nested `tls`, or a Glue INI `[params]` section with snake_case string values) mapped onto
 * one set of logical fields, each with the key path to report problems at.
 *
 * @module
 */

/** Keys of `hooks.etcd` in reactor.yaml. */
export const YAML_KEYS = [
  "endpoints",
  "prefix",
  "ttl",
  "keyTemplate",
  "tls",
  "username",
  "password",
];
/** Keys of `hooks.etcd.tls`. */
export const TLS_KEYS = ["ca", "cert", "key"];
/** Keys of a Glue INI `[params]` section. */
export const INI_KEYS = [
  "endpoints",
  "prefix",
  "ttl",
  "key_template",
  "tls_ca",
  "tls_cert",
  "tls_key",
  "username",
  "password",
];

/** A key path. */
export type Path = (string | number)[];
/** One given setting and where it was given. */
export interface Field {
  value: unknown;
  path: Path;
}

/** Describe a value for a message. */
export function kind(v: unknown): string {
  if (v === null || v === undefined) return "nothing";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a map";
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** A plain object. */
export function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Fields of a reactor.yaml `hooks.etcd` map. */
export function yamlFields(
  input: Record<string, unknown>,
  add: (p: Path, m: string) => void,
): Map<string, Field> {
  const fields = new Map<string, Field>();
  for (const [k, v] of Object.entries(input)) {
    if (!YAML_KEYS.includes(k)) {
      add([k], `unknown key — hooks.etcd takes ${YAML_KEYS.join(", ")}`);
      continue;
    }
    if (k !== "tls") {
      if (v !== undefined && v !== null) fields.set(k, { value: v, path: [k] });
      continue;
    }
    if (v === undefined || v === null) continue;
    if (!isMap(v)) {
      add(
        ["tls"],
        `expected a map with ca, cert, key (PEM file paths), got ${
          kind(v)
        } — e.g. tls: { ca: /etc/etcd/ca.pem }`,
      );
      continue;
    }
    for (const [tk, tv] of Object.entries(v)) {
      if (!TLS_KEYS.includes(tk)) {
        add(
          ["tls", tk],
          /insecure|verify|skip/i.test(tk)
            ? `TLS verification cannot be turned off — give the CA that signed etcd's certificate in tls.ca`
            : `unknown key — tls takes ${TLS_KEYS.join(", ")}`,
        );
        continue;
      }
      if (tv !== undefined && tv !== null) {
        fields.set(`tls.${tk}`, { value: tv, path: ["tls", tk] });
      }
    }
  }
  return fields;
}

/** Fields of a Glue INI `[params]` section (Glue's own `class` and `clientParams` get advice). */
export function iniFields(
  input: Record<string, unknown>,
  add: (p: Path, m: string) => void,
  warnings: string[],
): Map<string, Field> {
  const fields = new Map<string, Field>();
  const logical: Record<string, string> = {
    key_template: "keyTemplate",
    tls_ca: "tls.ca",
    tls_cert: "tls.cert",
    tls_key: "tls.key",
  };
  for (const [key, v] of Object.entries(input)) {
    // configparser (and so crudini and Glue) reads keys case-insensitively
    const k = key.toLowerCase();
    if (k === "class") { // Glue's python-distconfig backend class
      if (typeof v === "string" && /etcd/i.test(v)) {
        warnings.push(`[params] class=${v} is ignored: reactor publishes to etcd v3`);
      } else {
        add(
          [key],
          `${kind(v)}: only etcd is supported — remove class and set endpoints=http://<etcd>:2379`,
        );
      }
      continue;
    }
    if (k === "clientparams") {
      const hosts = [...String(v).matchAll(/\(\s*["']([^"']+)["']\s*,\s*\d+\s*\)/g)].map((m) =>
        m[1]
      );
      const example = hosts.length
        ? hosts.map((h) => `http://${h}:2379`).join(",")
        : "http://<etcd>:2379";
      add(
        [key],
        `is python-etcd (etcd v2) syntax — replace it with endpoints=${example} (etcd v3 listens on 2379, not the v2 port 4001)`,
      );
      continue;
    }
    if (!INI_KEYS.includes(k)) {
      add(
        [k],
        /insecure|verify|skip/i.test(k)
          ? `TLS verification cannot be turned off — give the CA that signed etcd's certificate in tls_ca`
          : `unknown key — [params] takes ${INI_KEYS.join(", ")}`,
      );
      continue;
    }
    if (v === undefined || v === null || v === "") continue;
    fields.set(logical[k] ?? k, { value: typeof v === "string" ? v.trim() : v, path: [k] });
  }
  return fields;
}
