/**
 * Read-only queries over the audit log for the console: the filters a supervisor needs (waybill,
 * operator, device, action, time) beyond `AuditLog.search`, and the aggregates behind the charts.
 * Reads the `audit_log` table as documented in `src/audit/schema.ts`; never writes it.
 */
import type { Db } from "../db/open.ts";
import type { AuditRecord } from "../audit/types.ts";
import type { VerifyResult } from "../audit/verify.ts";

export interface AuditFilter {
  /**
   * The waybill number's `waybill_ref` under every HMAC key generation (`waybillRefs`), computed
   * by the caller; a record matching any of them matches.
   */
  waybillRefs?: readonly string[];
  operator?: string;
  device?: string;
  action?: string;
  jobId?: string;
  /** Inclusive bounds, ISO 8601 UTC. */
  from?: string;
  to?: string;
  limit: number;
}

/** A stored record without its sealed waybill number, as the API returns it. */
export type AuditRow = Omit<AuditRecord, "waybill_enc"> & { has_waybill: boolean };

export interface AuditReader {
  query(f: AuditFilter): AuditRow[];
  /** Counts `print.completed` per device per hour since `fromIso`. */
  printsPerHour(fromIso: string): Array<{ device: string; hour: string; n: number }>;
  /** `device.status` records of one device since `fromIso` (oldest first), for uptime. */
  statusChanges(
    device: string,
    fromIso: string,
  ): Array<{ ts: string; outcome: string; reason: string | null }>;
  /**
   * Verifies the chain (in a worker thread: the event loop keeps serving devices and MQTT while a
   * long log is scanned) and resolves with the result and the time the verification started.
   * With `maxAgeMs`, a result that recent is reused (the audit page shows the status on every
   * load); callers arriving while a verification runs share it.
   */
  verify(maxAgeMs?: number): Promise<{ result: VerifyResult; at: string }>;
  /** Computes the `waybill_ref`s of a number (keyed HMAC, every key generation). */
  waybillRefs(waybillNo: string): string[];
}

interface RawRow {
  seq: number;
  ts: string;
  site: string;
  gateway: string;
  place: string;
  actor: string;
  action: string;
  target: string;
  outcome: string;
  reason: string | null;
  digest: string | null;
  has_waybill: number;
  prev_hash: string;
  hash: string;
}

export function createAuditReader(o: {
  db: Db;
  verify: (db: Db) => Promise<VerifyResult>;
  waybillRefs: (no: string) => string[];
  clock: () => number;
}): AuditReader {
  const { db } = o;
  let last: { result: VerifyResult; at: string } | undefined;
  let running: Promise<{ result: VerifyResult; at: string }> | undefined;
  return {
    query(f) {
      const where: string[] = [];
      const args: Array<string | number> = [];
      const add = (sql: string, v: string | undefined) => {
        if (v === undefined || v === "") return;
        where.push(sql);
        args.push(v);
      };
      if (f.waybillRefs !== undefined && f.waybillRefs.length > 0) {
        where.push(
          `json_extract(target, '$.waybill_ref') IN (${f.waybillRefs.map(() => "?").join(", ")})`,
        );
        args.push(...f.waybillRefs);
      }
      add("json_extract(target, '$.job_id') = ?", f.jobId);
      add("json_extract(target, '$.device') = ?", f.device);
      add("json_extract(actor, '$.operator') = ?", f.operator);
      add("action = ?", f.action);
      add("ts >= ?", f.from);
      add("ts <= ?", f.to);
      const sql = `SELECT seq, ts, site, gateway, place, actor, action, target, outcome, reason, digest,
        waybill_enc IS NOT NULL AS has_waybill, prev_hash, hash FROM audit_log
        ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY seq DESC LIMIT ?`;
      const rows = db.prepare<Array<string | number>, RawRow>(sql).all(...args, f.limit);
      return rows.map((r) => ({
        ...r,
        place: JSON.parse(r.place) as AuditRow["place"],
        actor: JSON.parse(r.actor) as AuditRow["actor"],
        target: JSON.parse(r.target) as AuditRow["target"],
        has_waybill: r.has_waybill === 1,
      }));
    },
    printsPerHour(fromIso) {
      return db
        .prepare<[string], { device: string; hour: string; n: number }>(
          `SELECT json_extract(target, '$.device') AS device, substr(ts, 1, 13) AS hour, count(*) AS n
           FROM audit_log WHERE action = 'print.completed' AND ts >= ?
           GROUP BY device, hour ORDER BY hour`,
        )
        .all(fromIso);
    },
    statusChanges(device, fromIso) {
      return db
        .prepare<[string, string], { ts: string; outcome: string; reason: string | null }>(
          `SELECT ts, outcome, reason FROM audit_log WHERE action = 'device.status'
           AND json_extract(target, '$.device') = ? AND ts >= ? ORDER BY seq`,
        )
        .all(device, fromIso);
    },
    verify(maxAgeMs = 0) {
      const now = o.clock();
      if (last && maxAgeMs > 0 && now - Date.parse(last.at) < maxAgeMs)
        return Promise.resolve(last);
      running ??= o
        .verify(db)
        .then((result) => (last = { result, at: new Date(now).toISOString() }))
        .finally(() => {
          running = undefined;
        });
      return running;
    },
    waybillRefs: o.waybillRefs,
  };
}
