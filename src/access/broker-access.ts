import { timingSafeEqual } from "node:crypto";
import type { AccessRole } from "./broker-policy.ts";
import { mayPublish, maySubscribe } from "./broker-policy.ts";
import type { ClientStore } from "./clients.ts";

/**
 * The embedded broker's access decisions: authenticate a CONNECT, then authorize each publish and
 * subscribe by role (`broker-policy.ts`). The client's status is read again on every decision, so
 * disabling a client (`labelgate clients disable`) stops it without a restart.
 */
export interface BrokerIdentity {
  /** `anonymous` only when the configuration allows it (demo, loopback). */
  readonly kind: "client" | "internal" | "anonymous";
  readonly id: string;
  readonly role: AccessRole | undefined;
}

export interface BrokerAccess {
  authenticate(
    username: string | undefined,
    password: Uint8Array | undefined,
  ): Promise<BrokerIdentity | undefined>;
  mayPublish(who: BrokerIdentity, topic: string): boolean;
  maySubscribe(who: BrokerIdentity, filter: string): boolean;
}

export function createBrokerAccess(o: {
  clients: ClientStore;
  /** `{base}/{site}`: the subtree the policy speaks about. */
  site: string;
  allowAnonymous: boolean;
  /** The gateway's own connection (a random password made at start, never stored). */
  internal: { username: string; password: string };
}): BrokerAccess {
  const internalPw = Buffer.from(o.internal.password, "utf8");
  const active = (who: BrokerIdentity): AccessRole | undefined => {
    if (who.kind !== "client") return undefined;
    const c = o.clients.get(who.id);
    return c && c.status === "active" ? c.role : undefined;
  };
  return {
    async authenticate(username, password) {
      if (username === undefined || username === "") {
        return o.allowAnonymous ? { kind: "anonymous", id: "", role: undefined } : undefined;
      }
      const pw = Buffer.from(password ?? new Uint8Array());
      if (username === o.internal.username) {
        return pw.length === internalPw.length && timingSafeEqual(pw, internalPw)
          ? { kind: "internal", id: username, role: "gateway" }
          : undefined;
      }
      const c = await o.clients.authenticate(username, pw.toString("utf8"));
      return c ? { kind: "client", id: c.id, role: c.role } : undefined;
    },
    mayPublish(who, topic) {
      if (who.kind === "anonymous" || who.kind === "internal") return true;
      const role = active(who);
      return role !== undefined && mayPublish(role, who.id, o.site, topic);
    },
    maySubscribe(who, filter) {
      if (who.kind === "anonymous" || who.kind === "internal") return true;
      const role = active(who);
      return role !== undefined && maySubscribe(role, who.id, o.site, filter);
    },
  };
}
