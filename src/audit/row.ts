/** Conversion of an `audit_log` row into an {@link AuditRecord}. */
import { CodedError } from "../errors.ts";
import type { AuditActor, AuditPlace, AuditRecord, AuditTarget } from "./types.ts";

/** A row of `audit_log` as better-sqlite3 returns it (`SELECT *`). */
export interface AuditRow {
  readonly seq: number;
  readonly ts: string;
  readonly site: string;
  readonly gateway: string;
  readonly place: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly outcome: string;
  readonly reason: string | null;
  readonly digest: string | null;
  readonly waybill_enc: Uint8Array | null;
  readonly prev_hash: string;
  readonly hash: string;
}

/**
 * Parses the JSON columns. Throws CodedError `internal` (`details.reason = "corrupt_record"`,
 * `details.seq`, `details.column`) when one is not a flat object of strings, which only a
 * damaged or hand-edited database produces; `verifyAuditLog` will then name the record.
 */
export function rowToRecord(row: AuditRow): AuditRecord {
  return {
    seq: row.seq,
    ts: row.ts,
    site: row.site,
    gateway: row.gateway,
    place: parseFlat(row.place, row.seq, "place") as unknown as AuditPlace,
    actor: parseFlat(row.actor, row.seq, "actor") as AuditActor,
    action: row.action,
    target: parseFlat(row.target, row.seq, "target") as AuditTarget,
    outcome: row.outcome,
    reason: row.reason,
    digest: row.digest,
    waybill_enc: row.waybill_enc,
    prev_hash: row.prev_hash,
    hash: row.hash,
  };
}

function parseFlat(text: string, seq: number, column: string): Readonly<Record<string, string>> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return corrupt(seq, column);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== "string") return corrupt(seq, column);
    out[k] = v;
  }
  return out;
}

function corrupt(seq: number, column: string): never {
  throw new CodedError("internal", `audit record ${seq} has a malformed ${column} column`, {
    reason: "corrupt_record",
    seq,
    column,
  });
}
