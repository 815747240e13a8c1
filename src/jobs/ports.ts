/**
 * What the job pipeline needs from the rest of the daemon, as small function types. `main.ts`
 * wires the real audit log, MQTT connection and devices to these.
 */

export type AuditOutcome = "ok" | "rejected" | "error" | "in_doubt" | "expired" | "duplicate";

export interface AuditEvent {
  action: string;
  outcome: AuditOutcome;
  /** Error code or rule id; never content. */
  reason?: string;
  jobId?: string;
  device?: string;
  operator?: string;
  client?: string;
  workstation?: string;
  area?: string;
  /** SHA-256 hex of the exact bytes sent to the device. */
  digest?: string;
  /** Only to derive `waybill_ref` and the sealed copy; the audit log never stores it in clear. */
  waybillNo?: string;
}

/** Appends one record; it is durable when this returns. Throws `audit_unavailable` otherwise. */
export type AuditAppend = (e: AuditEvent) => void;

export interface Reply {
  status: "accepted" | "ok" | "error" | "rejected" | "expired" | "duplicate" | "in_doubt";
  job_id?: string;
  transaction?: string;
  data?: Record<string, unknown>;
  error?: { code: string; message: string; retryable: boolean } & Record<string, unknown>;
}

/** Publishes a reply to a producer's `reply_to` (already checked to be under the reply prefix). */
export type ReplySend = (replyTo: string, reply: Reply) => void;

/** Publishes a job lifecycle / device event on `device/{dev}/event`. */
export type DeviceEventSend = (device: string, event: Record<string, unknown>) => void;
