/**
 * Fixtures of the audit tests: real SQLite files in a fresh temp directory, a stepping clock,
 * and synthetic records (invented waybill numbers; no real data).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { createAuditLog, type AuditLog } from "../../../src/audit/log.ts";
import type { AuditInput } from "../../../src/audit/types.ts";
import { loadOrCreateKeys, type Keys } from "../../../src/crypto/keys.ts";
import { openDatabase, type Db } from "../../../src/db/open.ts";

/** 2026-11-30T08:00:00.000Z, in ms. */
export const T0 = Date.UTC(2026, 10, 30, 8, 0, 0, 0);

/** A clock that advances `stepMs` on every reading. */
export function steppingClock(start = T0, stepMs = 1): () => number {
  let now = start;
  return () => {
    const t = now;
    now += stepMs;
    return t;
  };
}

/** A synthetic 15-character SF-style waybill number, unique per `i`. */
export function waybillNo(i: number): string {
  return `SF${String(1234567890123 + i).padStart(13, "0")}`;
}

/** A synthetic record with every optional field set. */
export function sampleInput(i: number): AuditInput {
  return {
    action: i % 2 === 0 ? "print.dispatched" : "print.completed",
    outcome: "ok",
    reason: "none",
    place: { area: "hall-2", workstation: `ws-${i % 7}` },
    actor: { operator: "E10293", client: "ws-12" },
    target: { device: "zpl-1", deviceSerial: "XXZPL0001", jobId: `job-${i}` },
    waybillNo: waybillNo(i),
    digest: (i % 256).toString(16).padStart(2, "0").repeat(32),
  };
}

export interface Fixture {
  readonly dir: string;
  readonly dbPath: string;
  readonly keys: Keys;
  db: Db;
  log: AuditLog;
  /** Closes and reopens the database and the log (a restart). */
  reopen(): void;
  cleanup(): void;
}

export function makeFixture(clock: () => number = steppingClock()): Fixture {
  const dir = mkdtempSync(join(tmpdir(), "labelgate-audit-"));
  const dbPath = join(dir, "data", "labelgate.db");
  const keys = loadOrCreateKeys(join(dir, "data"));
  const open = () => {
    const db = openDatabase(dbPath);
    return { db, log: createAuditLog({ db, keys, site: "demo", gateway: "gw1", clock }) };
  };
  const first = open();
  const f: Fixture = {
    dir,
    dbPath,
    keys,
    db: first.db,
    log: first.log,
    reopen() {
      f.db.close();
      const next = open();
      f.db = next.db;
      f.log = next.log;
    },
    cleanup() {
      if (f.db.open) f.db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return f;
}

/** Runs `sql` on a separate connection, as someone holding the database file would. */
export function tamper(dbPath: string, sql: string, ...params: unknown[]): void {
  const db = new Database(dbPath);
  try {
    const info = db.prepare(sql).run(...params);
    if (info.changes !== 1) throw new Error(`tamper changed ${info.changes} rows`);
  } finally {
    db.close();
  }
}
