import type { ClientRole } from "./clients.ts";

/**
 * Who may publish and read which topics (Art. 14, 17), by client role — one table used by the
 * embedded broker's hooks and by `labelgate broker-acl` for Mosquitto, so both enforce the same
 * policy. `{site}` is `{base}/{site}`; `%u` is the client's own id (its MQTT username), so a
 * workstation reads only its own replies. Anything not granted here is refused.
 */
export type AccessRole = ClientRole;

interface RoleRules {
  readonly write: readonly string[];
  readonly read: readonly string[];
}

const PUBLIC_STATE = [
  "{site}/gateway/+/state",
  "{site}/gateway/+/info",
  "{site}/gateway/+/devices",
  "{site}/device/+/state",
  "{site}/device/+/description",
  "{site}/device/+/event",
] as const;

const PRODUCER: RoleRules = {
  // Jobs for the site's devices; replies only on the client's own subtree.
  write: ["{site}/device/+/job", "{site}/pool/+/job"],
  read: ["{site}/reply/%u/#", ...PUBLIC_STATE],
};

export const BROKER_POLICY: Readonly<Record<AccessRole, RoleRules>> = {
  workstation: PRODUCER,
  scanner: PRODUCER,
  supervisor: {
    write: [
      "{site}/device/+/job",
      "{site}/pool/+/job",
      "{site}/device/+/cmd/+",
      "{site}/gateway/+/request/+",
    ],
    read: [
      "{site}/reply/%u/#",
      ...PUBLIC_STATE,
      "{site}/gateway/+/response/+",
      "{site}/device/+/response/+",
      "{site}/gateway/+/alert",
      "{site}/gateway/+/audit/checkpoint",
    ],
  },
  // Only gateways publish state, events, alerts and checkpoints, and read every job.
  gateway: { write: ["{site}/#"], read: ["{site}/#"] },
};

/** The role's patterns with `{site}` filled in (`%u` stays, as in a Mosquitto `pattern` line). */
export function rolePatterns(role: AccessRole, site: string): RoleRules {
  const r = BROKER_POLICY[role];
  const fill = (p: string) => p.replace("{site}", site);
  return { write: r.write.map(fill), read: r.read.map(fill) };
}

/** May a client with `role` and id `clientId` publish on `topic` (a concrete topic)? */
export function mayPublish(
  role: AccessRole,
  clientId: string,
  site: string,
  topic: string,
): boolean {
  if (topic.startsWith("$") || /[+#]/.test(topic)) return false;
  return rolePatterns(role, site).write.some((p) => covers(p, clientId, topic));
}

/** May it subscribe to `filter`? Only when every topic the filter can match is readable. */
export function maySubscribe(
  role: AccessRole,
  clientId: string,
  site: string,
  filter: string,
): boolean {
  if (filter.startsWith("$")) return false;
  return rolePatterns(role, site).read.some((p) => covers(p, clientId, filter));
}

/**
 * True when the ACL pattern (with `%u` → clientId) covers every topic that `filter` matches:
 * `#` covers the rest, `+` covers any one level (not a `#`), a literal only itself.
 */
export function covers(pattern: string, clientId: string, filter: string): boolean {
  const p = pattern.split("/").map((l) => (l === "%u" ? clientId : l));
  const f = filter.split("/");
  for (let i = 0; i < p.length; i++) {
    const pl = p[i]!;
    const fl = f[i];
    if (pl === "#") return true;
    if (fl === undefined) return false;
    if (pl === "+") {
      if (fl === "#") return false;
      continue;
    }
    if (fl !== pl) return false;
  }
  return f.length === p.length;
}
