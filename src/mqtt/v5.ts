import type { Reply } from "../jobs/ports.ts";
import type { InboundMessage, Mqtt5Properties } from "./connection.ts";

const MAX_PENDING = 100_000;
const FINAL: ReadonlySet<string> = new Set(["ok", "error", "rejected", "expired", "in_doubt"]);

/**
 * MQTT 5 request/response for jobs (reference/mqtt-notes.md §4, issue #11). A job published with
 * a Response Topic and no `reply_to` is answered there; its Correlation Data is echoed on every
 * reply to it, with a `job_id` User Property. Message Expiry is the broker's to honour (it drops a
 * job that waited past it); once received, the payload's `expires_at` bounds the wait (a value
 * derived from the remaining interval would differ on every retry and make the retry a
 * `job_id_conflict`). On 3.1.1 nothing changes: the payload's `reply_to` and `job_id` correlate.
 */
export interface RequestResponse {
  /** The payload intake sees: `reply_to` filled from the Response Topic if absent. */
  inbound(msg: InboundMessage): Uint8Array;
  /** Properties for a reply to `reply.job_id`. */
  replyProperties(reply: Reply): Mqtt5Properties | undefined;
}

export function createRequestResponse(enabled: boolean): RequestResponse {
  // job_id → Correlation Data of the request; kept until a final reply went out. Not durable: a
  // reply after a restart correlates by the payload's job_id alone.
  const pending = new Map<string, Buffer>();
  const decoder = new TextDecoder();
  return {
    inbound(msg) {
      const p = msg.properties;
      if (!enabled || !p || (p.responseTopic === undefined && p.correlationData === undefined))
        return msg.payload;
      let env: Record<string, unknown>;
      try {
        const v = JSON.parse(decoder.decode(msg.payload)) as unknown;
        if (typeof v !== "object" || v === null || Array.isArray(v)) return msg.payload;
        env = v as Record<string, unknown>;
      } catch {
        return msg.payload;
      }
      let changed = false;
      if (env["reply_to"] === undefined && p.responseTopic !== undefined) {
        env["reply_to"] = p.responseTopic;
        changed = true;
      }
      if (typeof env["job_id"] === "string" && p.correlationData !== undefined) {
        if (pending.size >= MAX_PENDING) {
          const oldest = pending.keys().next().value;
          if (oldest !== undefined) pending.delete(oldest);
        }
        pending.set(env["job_id"], Buffer.from(p.correlationData));
      }
      return changed ? new TextEncoder().encode(JSON.stringify(env)) : msg.payload;
    },
    replyProperties(reply) {
      if (!enabled || reply.job_id === undefined) return undefined;
      const correlationData = pending.get(reply.job_id);
      if (FINAL.has(reply.status)) pending.delete(reply.job_id);
      return {
        contentType: "application/json",
        userProperties: { job_id: reply.job_id },
        ...(correlationData !== undefined && { correlationData }),
      };
    },
  };
}
