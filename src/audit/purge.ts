/**
 * Approved retention purge of the audit log (Art. 15: destroying records needs prior approval;
 * Cybersecurity Law Art. 21: logs are kept at least six months). Records older than the retention
 * period are deleted in one transaction together with a signed tombstone, a signed note in the
 * checkpoint format stating "records below N were destroyed under approval A, and record N-1
 * hashed to H". `audit verify` starts the chain at N after checking the tombstone, so an approved
 * purge verifies while a deletion without a tombstone (or with a forged one) does not.
 */
import type { ApprovalStore } from "../access/approvals.ts";
import type { SigningKey } from "../crypto/keys.ts";
import type { Db } from "../db/open.ts";
import { CodedError, isCodedError } from "../errors.ts";
import { signCheckpoint } from "./checkpoint.ts";
import type { AuditLog } from "./log.ts";

/** Default and least retention period, in days (Cybersecurity Law Art. 21: six months). */
export const DEFAULT_RETENTION_DAYS = 180;
export const MIN_RETENTION_DAYS = 180;

export interface PurgeOptions {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly approvals: ApprovalStore;
  readonly key: SigningKey;
  readonly origin: string;
  readonly approvalId: string;
  /** The operator performing the purge; must be the approval's requester. */
  readonly operator: string;
  readonly now: number;
  /** Records older than this many days are purged; at least {@link MIN_RETENTION_DAYS}. */
  readonly retentionDays?: number;
  /** Throws CodedError `lockdown` while a lockdown is in force (evidence is not destroyed then). */
  readonly assertOpen?: () => void;
}

export interface PurgeResult {
  /** Records with seq below this are gone. */
  readonly below: number;
  readonly purged: number;
  readonly tombstone: string;
}

/**
 * Purges the records older than the retention period. Refused (CodedError `approval_required`,
 * audited as `purge.performed` / `rejected`) without a granted, unexpired `audit.purge` approval
 * requested by `operator`; CodedError `invalid_request` for a retention below the minimum or when
 * nothing is old enough (the approval is then not used up). The newest record is never purged.
 */
export function purgeAudit(o: PurgeOptions): PurgeResult {
  const days = o.retentionDays ?? DEFAULT_RETENTION_DAYS;
  if (!Number.isFinite(days) || days < MIN_RETENTION_DAYS) {
    throw new CodedError(
      "invalid_request",
      `retention: at least ${MIN_RETENTION_DAYS} days (Cybersecurity Law Art. 21)`,
      { path: "retention_days" },
    );
  }
  const cutoff = new Date(o.now - days * 86_400_000).toISOString();
  const last = o.db
    .prepare<[string], { seq: number }>(
      "SELECT max(seq) AS seq FROM audit_log WHERE ts < ? AND seq < (SELECT max(seq) FROM audit_log)",
    )
    .get(cutoff)?.seq;
  if (last === undefined || last === null) {
    throw new CodedError("invalid_request", "no audit record is older than the retention period", {
      path: "retention_days",
    });
  }
  try {
    o.assertOpen?.();
    o.approvals.consume(o.approvalId, "audit.purge", o.now, o.operator);
  } catch (e) {
    if (isCodedError(e)) {
      const why = e.details["reason"];
      o.audit.append({
        action: "purge.performed",
        outcome: "rejected",
        reason: typeof why === "string" ? `${e.code}:${why}` : e.code,
        actor: { operator: o.operator },
      });
    }
    throw e;
  }
  return o.db
    .transaction((): PurgeResult => {
      const row = o.db
        .prepare<[number], { hash: string }>("SELECT hash FROM audit_log WHERE seq = ?")
        .get(last);
      if (row === undefined) throw new CodedError("internal", "purge boundary vanished");
      const below = last + 1;
      const time = new Date(o.now).toISOString();
      const tombstone = signCheckpoint(
        {
          origin: o.origin,
          size: last,
          hash: row.hash,
          time,
          extensions: [`purge ${o.approvalId}`, `purged-below ${below}`],
        },
        o.key,
      );
      o.db
        .prepare("INSERT INTO audit_tombstones (below, hash, approval, note) VALUES (?, ?, ?, ?)")
        .run(below, row.hash, o.approvalId, tombstone);
      const purged = o.db.prepare("DELETE FROM audit_log WHERE seq < ?").run(below).changes;
      o.audit.append({
        action: "purge.performed",
        outcome: "ok",
        reason: `approval:${o.approvalId}`,
        actor: { operator: o.operator },
      });
      return { below, purged, tombstone };
    })
    .immediate();
}
