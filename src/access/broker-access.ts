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

/** How a CONNECT arrived: which listener, and the identity its TLS handshake verified. */
export interface ConnectVia {
  /** Anonymous access (`allow_anonymous`) applies to the plain, loopback listener only. */
  readonly listener: "plain" | "tls";
  /**
   * The subject CN of a client certificate verified against the listener's CA, when the TLS
   * listener takes it as the client id (`use_identity_as_username`); username and password are
   * then ignored, as Mosquitto does.
   */
  readonly certificateIdentity?: string | undefined;
}

export interface BrokerAccess {
  authenticate(
    username: string | undefined,
    password: Uint8Array | undefined,
    via?: ConnectVia,
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
    async authenticate(username, password, via = { listener: "plain" }) {
      if (via.certificateIdentity !== undefined) {
        // The CA vouched for the name; the clients table says whether it may connect and as what.
        const c = o.clients.get(via.certificateIdentity);
        return c && c.status === "active" ? { kind: "client", id: c.id, role: c.role } : undefined;
      }
      if (username === undefined || username === "") {
        return o.allowAnonymous && via.listener === "plain"
          ? { kind: "anonymous", id: "", role: undefined }
          : undefined;
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
