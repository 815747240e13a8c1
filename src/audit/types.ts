/**
 * Types of the audit log (DESIGN.md §5). A stored record mirrors its table row, with snake_case
 * names, because records are exported as they are stored (regulator extracts, external
 * verifiers); the input that callers build is ordinary camelCase TypeScript.
 */

/**
 * The matters the audit log records. Other issues extend this list (`device.*`, `operator.*`,
 * `approval.*`, `lockdown.*` …): append, never rename or remove, since the strings are stored in
 * hash-chained records and searched by auditors. `append` refuses a string not in the list.
 */
export const AUDIT_ACTIONS = [
  "job.accepted",
  "job.rejected",
  "job.duplicate",
  "print.dispatched",
  "print.completed",
  "print.failed",
  "print.in_doubt",
  "rfid.encoded",
  "epaper.updated",
  "export.performed",
  "purge.performed",
  "config.changed",
  "device.status",
  "operator.added",
  "operator.disabled",
  "operator.enabled",
  "client.added",
  "client.disabled",
  "client.refused",
  "approval.requested",
  "approval.granted",
  "approval.denied",
  "approval.used",
  "approval.refused",
  "lockdown.set",
  "lockdown.lifted",
  "waybill.printed",
  "waybill.reprinted",
  "waybill.voided",
  "waybill.rfid_encoded",
  "deid.tightened",
  "deid.exempted",
  "device.quarantined",
  "device.command",
  "scan.received",
  "operator.login",
  "operator.login_failed",
  "operator.logout",
  "alert.acknowledged",
  "keys.rotated",
  "payload.purged",
  "checkpoint.published",
  "job.resolved",
  "device.test_print",
  "broker.connect_refused",
  "broker.publish_refused",
  "broker.subscribe_refused",
  "management.refused",
  "operator.password_set",
  "cluster.handback",
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/**
 * Whether the matter succeeded (GB/T 22239 L3 audit item b). The reason code, when there is
 * one, goes in `reason` (an error-registry code such as `privacy_rejected`, or a device
 * condition such as `media_out`). Extend by appending, as for {@link AUDIT_ACTIONS}.
 */
export const AUDIT_OUTCOMES = [
  "ok",
  "rejected",
  "error",
  "in_doubt",
  "expired",
  "duplicate",
] as const;

export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** Where the matter happened; the site comes from the log itself. */
export interface AuditPlaceInput {
  /** Area of the site, e.g. `"inbound-2"`. */
  readonly area?: string;
  /** Workstation or scanner id, e.g. `"ws-12"` or `"pda-07"`. */
  readonly workstation?: string;
}

/** Who did it: account ids, never names. Both absent for the gateway's own actions. */
export interface AuditActorInput {
  /** Operator account id, e.g. `"E10293"`. */
  readonly operator?: string;
  /** MQTT client id or other client identity, e.g. `"ws-12"`. */
  readonly client?: string;
}

/** What it was done to. The waybill is given separately (see {@link AuditInput.waybillNo}). */
export interface AuditTargetInput {
  /** Registered device id, e.g. `"zpl-1"`. */
  readonly device?: string;
  /** Serial number the device reported. */
  readonly deviceSerial?: string;
  /** Job id of the envelope. */
  readonly jobId?: string;
}

/** What a caller hands to `append`. Identifiers only: no names, phones, addresses, payloads. */
export interface AuditInput {
  readonly action: AuditAction;
  readonly outcome: AuditOutcome;
  /**
   * Stable reason code: `[a-z][a-z0-9_.:+-]*`, at most 128 characters, e.g. `privacy_rejected`,
   * `privacy_rejected:phone_min_hidden`, `device_fault:media_out+head_open`. Free text (spaces,
   * capitals, digits first) is refused, so no content can travel in it.
   */
  readonly reason?: string;
  readonly place?: AuditPlaceInput;
  readonly actor?: AuditActorInput;
  readonly target?: AuditTargetInput;
  /**
   * The waybill number. Never stored as given: it becomes `target.waybill_ref` (keyed HMAC,
   * for look-up) and `waybill_enc` (AES-256-GCM, for authorized recovery).
   */
  readonly waybillNo?: string;
  /** SHA-256 of the exact bytes sent to the device: 64 hex characters (stored lowercase). */
  readonly digest?: string;
}

/** `place` as stored: canonical JSON of this object. */
export interface AuditPlace {
  readonly site: string;
  readonly area?: string;
  readonly workstation?: string;
}

/** `actor` as stored: canonical JSON of this object. */
export interface AuditActor {
  readonly operator?: string;
  readonly client?: string;
}

/** `target` as stored: canonical JSON of this object. */
export interface AuditTarget {
  readonly device?: string;
  readonly device_serial?: string;
  readonly job_id?: string;
  /** HMAC-SHA-256 of the normalized waybill number, hex (see `waybillRef`). */
  readonly waybill_ref?: string;
}

/** One stored record, as read back from the `audit_log` table. */
export interface AuditRecord {
  /** 1, 2, 3 … without gaps. */
  readonly seq: number;
  /** UTC, ISO 8601 with milliseconds, e.g. `2026-11-30T08:00:00.000Z`. */
  readonly ts: string;
  readonly site: string;
  readonly gateway: string;
  readonly place: AuditPlace;
  readonly actor: AuditActor;
  /** An {@link AuditAction}; typed as string because records from newer versions may carry more. */
  readonly action: string;
  readonly target: AuditTarget;
  /** An {@link AuditOutcome}; typed as string for the same reason as `action`. */
  readonly outcome: string;
  readonly reason: string | null;
  /** SHA-256 hex of the bytes sent to the device, or null. */
  readonly digest: string | null;
  /** The sealed waybill number (see `openWaybill`), or null. */
  readonly waybill_enc: Uint8Array | null;
  /** `hash` of record `seq - 1`; 64 zeros for record 1. */
  readonly prev_hash: string;
  /** SHA-256 hex over the record's encoding (see `encoding.ts`). */
  readonly hash: string;
}

/** The end of the chain: `{seq: 0, hash: GENESIS_HASH}` for an empty log. */
export interface AuditHead {
  readonly seq: number;
  readonly hash: string;
}

/** Filters of `search`; all given filters must match. */
export interface AuditQuery {
  readonly jobId?: string;
  readonly action?: AuditAction;
  /** Finds the records of a waybill through its `waybill_ref`; the number itself is not stored. */
  readonly waybillNo?: string;
  /** Maximum records returned, newest first. 1 … 10,000. */
  readonly limit: number;
}
