/**
 * `labelgate audit export | purge | search`: supervisor tools on the gateway database. They run
 * in their own process next to a running daemon (SQLite serializes the writers; the audit log
 * reads its tail inside each write transaction, so the chain never forks).
 */
import { chmodSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createApprovalStore } from "../access/approvals.ts";
import { createLockdownStore } from "../access/lockdown.ts";
import { createOperatorStore } from "../access/operators.ts";
import { exportAudit } from "../audit/export.ts";
import { createAuditLog, MAX_SEARCH_LIMIT, waybillRefMatch } from "../audit/log.ts";
import { purgeAudit } from "../audit/purge.ts";
import { rowToRecord, type AuditRow } from "../audit/row.ts";
import { loadOrCreateKeys, loadOrCreateSigningKey } from "../crypto/keys.ts";
import { openDatabase, type Db } from "../db/open.ts";
import { isCodedError } from "../errors.ts";
import { resolveSite, type DataDirOptions } from "./audit.ts";

function report(e: unknown): number {
  if (isCodedError(e)) {
    const why = e.details["reason"];
    console.error(`${e.code}: ${e.message}${typeof why === "string" ? ` (${why})` : ""}`);
    return e.code === "approval_required" || e.code === "lockdown" ? 1 : 4;
  }
  console.error(String(e));
  return 4;
}

function withGateway<T>(o: DataDirOptions, fn: (g: ReturnType<typeof openGateway>) => T): T {
  const g = openGateway(o);
  try {
    return fn(g);
  } finally {
    g.db.close();
  }
}

function openGateway(o: DataDirOptions) {
  const site = resolveSite(o);
  const file = join(site.dataDir, "labelgate.db");
  if (!existsSync(file)) throw new Error(`${file}: no gateway database here`);
  const db: Db = openDatabase(file);
  try {
    const keys = loadOrCreateKeys(site.dataDir);
    const audit = createAuditLog({
      db,
      keys,
      site: site.site,
      gateway: site.gateway,
      clock: Date.now,
    });
    const operators = createOperatorStore(db);
    const lockdown = createLockdownStore(db, operators);
    return {
      db,
      assertOpen: () => lockdown.assertOpen(),
      keys,
      audit,
      operators,
      approvals: createApprovalStore(db, operators),
      signing: loadOrCreateSigningKey(site.dataDir),
      origin: site.origin,
    };
  } catch (e) {
    db.close();
    throw e;
  }
}

/**
 * `labelgate audit export --approval ID --operator ID --out FILE`: exit 0 written, 1 refused
 * (no valid approval; audited), 4 I/O or usage error.
 */
export function runAuditExport(
  o: DataDirOptions & { approval: string; operator: string; out: string },
): number {
  try {
    const x = withGateway(o, (g) =>
      exportAudit({
        db: g.db,
        audit: g.audit,
        approvals: g.approvals,
        key: g.signing,
        keys: g.keys,
        origin: g.origin,
        approvalId: o.approval,
        operator: o.operator,
        now: Date.now(),
        assertOpen: g.assertOpen,
      }),
    );
    // The extract holds decrypted waybill numbers: readable by its owner only.
    writeFileSync(o.out, `${JSON.stringify(x, null, 1)}\n`, { mode: 0o600 });
    if (process.platform !== "win32") chmodSync(o.out, 0o600);
    console.log(`exported ${x.records.length} record(s) under approval ${x.approval} to ${o.out}`);
    return 0;
  } catch (e) {
    return report(e);
  }
}

/** `labelgate audit purge --approval ID --operator ID [--retention-days N]`. */
export function runAuditPurge(
  o: DataDirOptions & { approval: string; operator: string; retentionDays?: number },
): number {
  try {
    const r = withGateway(o, (g) =>
      purgeAudit({
        db: g.db,
        audit: g.audit,
        approvals: g.approvals,
        key: g.signing,
        origin: g.origin,
        approvalId: o.approval,
        operator: o.operator,
        now: Date.now(),
        assertOpen: g.assertOpen,
        ...(o.retentionDays !== undefined && { retentionDays: o.retentionDays }),
      }),
    );
    console.log(`purged ${r.purged} record(s) below seq ${r.below}; tombstone signed`);
    return 0;
  } catch (e) {
    return report(e);
  }
}

export interface SearchOptions extends DataDirOptions {
  waybill?: string;
  operator?: string;
  device?: string;
  action?: string;
  job?: string;
  since?: string;
  until?: string;
  limit: number;
  json?: boolean;
}

/** `labelgate audit search …`: newest first; waybill numbers stay encrypted. Exit 0, 4 usage. */
export function runAuditSearch(o: SearchOptions): number {
  try {
    if (!Number.isInteger(o.limit) || o.limit < 1 || o.limit > MAX_SEARCH_LIMIT)
      throw new Error(`--limit: 1 … ${MAX_SEARCH_LIMIT}`);
    const rows = withGateway(o, (g) => {
      const where: string[] = [];
      const params: unknown[] = [];
      const add = (sql: string, v: unknown) => {
        where.push(sql);
        params.push(v);
      };
      if (o.waybill !== undefined) {
        const m = waybillRefMatch(g.keys, o.waybill);
        where.push(m.sql);
        params.push(...m.params);
      }
      if (o.job !== undefined) add("json_extract(target, '$.job_id') = ?", o.job);
      if (o.operator !== undefined) add("json_extract(actor, '$.operator') = ?", o.operator);
      if (o.device !== undefined) add("json_extract(target, '$.device') = ?", o.device);
      if (o.action !== undefined) add("action = ?", o.action);
      if (o.since !== undefined) add("ts >= ?", isoArg(o.since, "--since"));
      if (o.until !== undefined) add("ts < ?", isoArg(o.until, "--until"));
      const sql = `SELECT * FROM audit_log ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY seq DESC LIMIT ?`;
      return g.db.prepare<unknown[], AuditRow>(sql).all(...params, o.limit);
    });
    for (const row of rows) {
      const r = rowToRecord(row);
      const { waybill_enc: enc, ...shown } = r;
      const rec = { ...shown, waybill_sealed: enc !== null };
      if (o.json === true) console.log(JSON.stringify(rec));
      else
        console.log(
          [
            r.seq,
            r.ts,
            r.action,
            r.outcome,
            r.reason ?? "-",
            r.actor.operator ?? "-",
            r.target.device ?? "-",
            r.target.job_id ?? "-",
          ].join("\t"),
        );
    }
    if (o.json !== true) console.error(`${rows.length} record(s)`);
    return 0;
  } catch (e) {
    return report(e);
  }
}

function isoArg(v: string, name: string): string {
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new Error(`${name}: expected an ISO 8601 time`);
  return new Date(ms).toISOString();
}
