/**
 * Approved export of audit records for the regulator (Art. 15: prior approval of bulk export, and
 * a record of operator, time, place and matter). The extract carries the selected records with
 * their waybill numbers decrypted, a signed checkpoint, and a proof that the records belong to the
 * log the checkpoint commits to: the raw hashed columns of every record from the first exported
 * one up to the checkpoint's size, so anyone can recompute the chain from the extract alone
 * ({@link verifyExtract}) without the database or any secret.
 */
import { CodedError, isCodedError } from "../errors.ts";
import type { ApprovalStore } from "../access/approvals.ts";
import type { SigningKey } from "../crypto/keys.ts";
import type { WaybillRefKeyring } from "../crypto/seal.ts";
import type { Db } from "../db/open.ts";
import { openCheckpoint, signCheckpoint } from "./checkpoint.ts";
import {
  canonicalJson,
  createRecordHasher,
  GENESIS_HASH,
  HASHED_COLUMNS,
  type HashedValue,
} from "./encoding.ts";
import { waybillRefMatch, type AuditLog } from "./log.ts";
import { rowToRecord, type AuditRow } from "./row.ts";
import type { AuditPlaceInput } from "./types.ts";

/** What an export approval's `scope` may select; every given filter must match. */
export interface ExportScope {
  /** ISO 8601; records at or after. */
  readonly since?: string;
  /** ISO 8601; records before. */
  readonly until?: string;
  readonly device?: string;
  readonly operator?: string;
  readonly action?: string;
  readonly waybill?: string;
}

export interface ExtractRecord {
  readonly seq: number;
  readonly ts: string;
  readonly place: Readonly<Record<string, string>>;
  readonly actor: Readonly<Record<string, string>>;
  readonly action: string;
  readonly target: Readonly<Record<string, string>>;
  readonly outcome: string;
  readonly reason: string | null;
  readonly digest: string | null;
  /** Decrypted, normalized waybill number, or null. */
  readonly waybill_no: string | null;
  readonly hash: string;
}

export interface Extract {
  readonly format: "labelgate.audit.extract.v1";
  readonly approval: string;
  readonly exported_by: string;
  readonly exported_at: string;
  readonly scope: ExportScope;
  readonly records: readonly ExtractRecord[];
  /** Signed note committing to the log up to `size` (see `checkpoint.ts`). */
  readonly checkpoint: string;
  readonly proof: {
    /** `prev_hash` of the first record of `chain`. */
    readonly start_prev_hash: string;
    /**
     * The hashed columns (`HASHED_COLUMNS` order, `waybill_enc` base64) and hash of every record
     * from the first exported one to the checkpoint's size.
     */
    readonly chain: readonly (readonly (string | number | null)[])[];
  };
}

export interface ExportOptions {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly approvals: ApprovalStore;
  readonly key: SigningKey;
  /** The HMAC keys of `waybill_ref`, for a scope that names a waybill. */
  readonly keys: WaybillRefKeyring;
  readonly origin: string;
  readonly approvalId: string;
  /** The operator performing the export; must be the approval's requester. */
  readonly operator: string;
  readonly now: number;
  /** Throws CodedError `lockdown` while a lockdown freezes exports (`LockdownStore.assertOpen`). */
  readonly assertOpen?: () => void;
  /** Where the export is made (e.g. `{workstation: "console"}`), stored in its audit records. */
  readonly place?: AuditPlaceInput;
}

const MAX_EXPORT = 1_000_000;

/**
 * Consumes the approval (`audit.export`, granted by a supervisor other than the requester,
 * unexpired, unused, requested by `operator`), selects the records of its scope, appends
 * `export.performed`, signs a checkpoint covering it, and returns the extract. A refusal is
 * audited (`export.performed`, outcome `rejected`, reason `approval_required:<why>`) and thrown as
 * CodedError `approval_required`; during a lockdown, likewise with CodedError `lockdown`.
 */
export function exportAudit(o: ExportOptions): Extract {
  let scope: ExportScope;
  try {
    o.assertOpen?.();
    const a = o.approvals.get(o.approvalId, o.now);
    // Defence in depth: the store refuses a self-grant; a row edited by hand is refused here.
    if (a !== undefined && a.decidedBy !== undefined && a.decidedBy === a.requester) {
      throw new CodedError("approval_required", "the approval was decided by its requester", {
        reason: "self_approval",
      });
    }
    scope = checkScope(o.approvals.consume(o.approvalId, "audit.export", o.now, o.operator).scope);
  } catch (e) {
    if (isCodedError(e)) {
      const why = e.details["reason"];
      o.audit.append({
        action: "export.performed",
        outcome: "rejected",
        reason: typeof why === "string" ? `${e.code}:${why}` : e.code,
        actor: { operator: o.operator },
        ...(o.place !== undefined && { place: o.place }),
      });
    }
    throw e;
  }

  return o.db
    .transaction((): Extract => {
      const rows = select(o.db, o.keys, scope);
      const performed = o.audit.append({
        action: "export.performed",
        outcome: "ok",
        reason: `approval:${o.approvalId}`,
        actor: { operator: o.operator },
        ...(o.place !== undefined && { place: o.place }),
      });
      const time = new Date(o.now).toISOString();
      const checkpoint = signCheckpoint(
        { origin: o.origin, size: performed.seq, hash: performed.hash, time },
        o.key,
      );
      o.db
        .prepare(
          "INSERT OR REPLACE INTO audit_checkpoints (size, hash, ts, note) VALUES (?, ?, ?, ?)",
        )
        .run(performed.seq, performed.hash, time, checkpoint);
      const from = rows[0]?.seq ?? performed.seq;
      const chain = o.db
        .prepare<[number, number], unknown[]>(
          `SELECT ${HASHED_COLUMNS.join(", ")}, hash FROM audit_log WHERE seq BETWEEN ? AND ? ORDER BY seq`,
        )
        .raw(true)
        .all(from, performed.seq)
        .map((r) =>
          r.map((v) =>
            v instanceof Uint8Array
              ? Buffer.from(v).toString("base64")
              : (v as string | number | null),
          ),
        );
      const records = rows.map((row): ExtractRecord => {
        const r = rowToRecord(row);
        return {
          seq: r.seq,
          ts: r.ts,
          place: r.place as unknown as Record<string, string>,
          actor: r.actor as Record<string, string>,
          action: r.action,
          target: r.target as Record<string, string>,
          outcome: r.outcome,
          reason: r.reason,
          digest: r.digest,
          waybill_no: o.audit.openWaybill(r),
          hash: r.hash,
        };
      });
      return {
        format: "labelgate.audit.extract.v1",
        approval: o.approvalId,
        exported_by: o.operator,
        exported_at: time,
        scope,
        records,
        checkpoint,
        proof: { start_prev_hash: String(chain[0]?.[12] ?? GENESIS_HASH), chain },
      };
    })
    .immediate();
}

function select(db: Db, keys: WaybillRefKeyring, s: ExportScope): AuditRow[] {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    where.push(sql);
    params.push(v);
  };
  if (s.since !== undefined) add("ts >= ?", new Date(s.since).toISOString());
  if (s.until !== undefined) add("ts < ?", new Date(s.until).toISOString());
  if (s.device !== undefined) add("json_extract(target, '$.device') = ?", s.device);
  if (s.operator !== undefined) add("json_extract(actor, '$.operator') = ?", s.operator);
  if (s.action !== undefined) add("action = ?", s.action);
  if (s.waybill !== undefined) {
    const m = waybillRefMatch(keys, s.waybill);
    where.push(m.sql);
    params.push(...m.params);
  }
  const sql = `SELECT * FROM audit_log ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY seq LIMIT ${MAX_EXPORT}`;
  return db.prepare<unknown[], AuditRow>(sql).all(...params);
}

function checkScope(raw: Record<string, unknown>): ExportScope {
  const out: Record<string, string> = {};
  for (const k of ["since", "until", "device", "operator", "action", "waybill"] as const) {
    const v = raw[k];
    if (v === undefined) continue;
    if (typeof v !== "string" || ((k === "since" || k === "until") && Number.isNaN(Date.parse(v))))
      throw new CodedError("invalid_request", `approval scope: ${k} is not valid`, {
        path: `scope.${k}`,
      });
    out[k] = v;
  }
  return out;
}

/** What {@link verifyExtract} found. */
export type ExtractCheck =
  | { readonly ok: true; readonly size: number }
  | { readonly ok: false; readonly reason: string; readonly seq?: number };

/**
 * Checks an extract offline: the checkpoint's signature, every record of the proof chain (hash
 * and link), that the chain ends at the checkpoint's size and hash, and that every exported record
 * is in the chain with the same hash.
 */
export function verifyExtract(x: Extract, publicRaw: Uint8Array): ExtractCheck {
  const cp = openCheckpoint(x.checkpoint, publicRaw);
  if (!cp.ok) return { ok: false, reason: `checkpoint_${cp.problem}` };
  const hash = createRecordHasher();
  const bySeq = new Map<number, readonly (string | number | null)[]>();
  let prev = x.proof.start_prev_hash;
  let last: { seq: number; hash: string } | undefined;
  for (const row of x.proof.chain) {
    const values: HashedValue[] = row.map((v, i) =>
      i === 11 && typeof v === "string" ? Buffer.from(v, "base64") : v,
    );
    const seq = Number(row[0]);
    if (last !== undefined && seq !== last.seq + 1) return { ok: false, reason: "seq_gap", seq };
    if (row[12] !== prev) return { ok: false, reason: "prev_hash_mismatch", seq };
    if (hash(values) !== row[13]) return { ok: false, reason: "hash_mismatch", seq };
    prev = String(row[13]);
    last = { seq, hash: prev };
    bySeq.set(seq, row);
  }
  if (last === undefined || last.seq !== cp.checkpoint.size || last.hash !== cp.checkpoint.hash)
    return { ok: false, reason: "chain_does_not_reach_checkpoint" };
  for (const r of x.records) {
    const row = bySeq.get(r.seq);
    // The readable fields must be the hashed ones (the waybill number can only be checked
    // against waybill_ref by someone holding the HMAC key).
    const same =
      row !== undefined &&
      row[13] === r.hash &&
      row[1] === r.ts &&
      row[4] === canonicalJson(r.place) &&
      row[5] === canonicalJson(r.actor) &&
      row[6] === r.action &&
      row[7] === canonicalJson(r.target) &&
      row[8] === r.outcome &&
      row[9] === r.reason &&
      row[10] === r.digest;
    if (!same) return { ok: false, reason: "record_not_in_chain", seq: r.seq };
  }
  return { ok: true, size: cp.checkpoint.size };
}
