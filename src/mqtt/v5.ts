import { migrate, type Db } from "../db/open.ts";
import type { Reply } from "../jobs/ports.ts";
import type { InboundMessage, Mqtt5Properties } from "./connection.ts";

const MAX_PENDING = 100_000;
/** Correlation Data of jobs without a final reply are kept this long (ms). */
const KEEP_MS = 7 * 86_400_000;

const MIGRATIONS = [
  `CREATE TABLE mqtt5_correlation (
     job_id      TEXT PRIMARY KEY,
     correlation BLOB NOT NULL,
     stored_at   INTEGER NOT NULL
   ) STRICT;`,
];

/** Where Correlation Data is kept across restarts: the gateway database and its group commit. */
export interface CorrelationStore {
  db: Db;
  commit: <T>(fn: () => T) => Promise<T>;
  clock?: () => number;
  onError?: (e: unknown) => void;
}
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

export function createRequestResponse(enabled: boolean, store?: CorrelationStore): RequestResponse {
  // job_id → Correlation Data of the request; kept until a final reply went out. With a store,
  // also in SQLite: a reply after a restart (a held job printed later) still carries it. The row
  // is queued on the group commit before the intake queues the job's inbox row, so it is durable
  // no later than the job (batches commit in order) and so before the PUBACK.
  const pending = new Map<string, Buffer>();
  const decoder = new TextDecoder();
  const durable = enabled && store !== undefined ? openCorrelationTable(store) : undefined;
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
        durable?.save(env["job_id"], Buffer.from(p.correlationData));
      }
      return changed ? new TextEncoder().encode(JSON.stringify(env)) : msg.payload;
    },
    replyProperties(reply) {
      if (!enabled || reply.job_id === undefined) return undefined;
      const correlationData = pending.get(reply.job_id) ?? durable?.load(reply.job_id);
      if (FINAL.has(reply.status)) {
        pending.delete(reply.job_id);
        if (correlationData !== undefined) durable?.remove(reply.job_id);
      }
      return {
        contentType: "application/json",
        userProperties: { job_id: reply.job_id },
        ...(correlationData !== undefined && { correlationData }),
      };
    },
  };
}

function openCorrelationTable(s: CorrelationStore) {
  migrate(s.db, "mqtt5_correlation", MIGRATIONS);
  const clock = s.clock ?? Date.now;
  const upsert = s.db.prepare(
    `INSERT INTO mqtt5_correlation (job_id, correlation, stored_at) VALUES (?, ?, ?)
     ON CONFLICT (job_id) DO UPDATE SET correlation = excluded.correlation, stored_at = excluded.stored_at`,
  );
  const select = s.db.prepare<[string], { correlation: Buffer }>(
    "SELECT correlation FROM mqtt5_correlation WHERE job_id = ?",
  );
  const del = s.db.prepare("DELETE FROM mqtt5_correlation WHERE job_id = ?");
  const failed = (e: unknown) => s.onError?.(e);
  s.commit(() =>
    s.db.prepare("DELETE FROM mqtt5_correlation WHERE stored_at < ?").run(clock() - KEEP_MS),
  ).catch(failed);
  return {
    save(jobId: string, data: Buffer) {
      s.commit(() => upsert.run(jobId, data, clock())).catch(failed);
    },
    load(jobId: string): Buffer | undefined {
      const row = select.get(jobId);
      return row === undefined ? undefined : Buffer.from(row.correlation);
    },
    remove(jobId: string) {
      s.commit(() => del.run(jobId)).catch(failed);
    },
  };
}
