import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { GENESIS_HASH } from "../../../src/audit/encoding.ts";
import { createAuditLog, waybillAad } from "../../../src/audit/log.ts";
import { verifyAuditLog } from "../../../src/audit/verify.ts";
import { loadOrCreateKeys } from "../../../src/crypto/keys.ts";
import { waybillRef } from "../../../src/crypto/seal.ts";
import { openDatabase } from "../../../src/db/open.ts";
import { CodedError } from "../../../src/errors.ts";
import {
  makeFixture,
  sampleInput,
  steppingClock,
  T0,
  tamper,
  waybillNo,
  type Fixture,
} from "./helpers.ts";

let f: Fixture;
afterEach(() => f.cleanup());

function codeOf(fn: () => unknown): { code: string; details: Record<string, unknown> } {
  try {
    fn();
  } catch (e) {
    if (e instanceof CodedError) return { code: e.code, details: e.details };
    throw e;
  }
  throw new Error("expected a CodedError");
}

describe("AuditLog.append", () => {
  it("stores the record fields of DESIGN.md §5, chained from 64 zeros", () => {
    f = makeFixture();
    const r1 = f.log.append(sampleInput(0));
    expect(r1).toMatchObject({
      seq: 1,
      ts: "2026-11-30T08:00:00.000Z",
      site: "demo",
      gateway: "gw1",
      place: { site: "demo", area: "hall-2", workstation: "ws-0" },
      actor: { operator: "E10293", client: "ws-12" },
      action: "print.dispatched",
      target: {
        device: "zpl-1",
        device_serial: "XXZPL0001",
        job_id: "job-0",
        waybill_ref: waybillRef(f.keys, waybillNo(0)),
      },
      outcome: "ok",
      reason: "none",
      digest: "00".repeat(32),
      prev_hash: GENESIS_HASH,
    });
    expect(r1.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(f.log.openWaybill(r1)).toBe(waybillNo(0));

    const r2 = f.log.append({
      action: "job.rejected",
      outcome: "rejected",
      reason: "privacy_rejected:phone_min_hidden",
    });
    expect(r2).toMatchObject({
      seq: 2,
      prev_hash: r1.hash,
      digest: null,
      waybill_enc: null,
      reason: "privacy_rejected:phone_min_hidden",
    });
    expect(r2.place).toEqual({ site: "demo" });
    expect(r2.actor).toEqual({});
    expect(r2.target).toEqual({});
    expect(f.log.openWaybill(r2)).toBeNull();
    expect(f.log.head()).toEqual({ seq: 2, hash: r2.hash });

    // What append returned is what is stored.
    expect(f.log.search({ limit: 10 })).toEqual([r2, r1]);
  });

  it("is committed when it returns: another connection sees it", () => {
    f = makeFixture();
    f.log.append(sampleInput(0));
    const other = new Database(f.dbPath, { readonly: true });
    try {
      expect(other.prepare("SELECT count(*) AS n FROM audit_log").get()).toEqual({ n: 1 });
    } finally {
      other.close();
    }
  });

  it("appends a few thousand records that verify, singly and in batches", () => {
    f = makeFixture();
    for (let i = 0; i < 200; i++) f.log.append(sampleInput(i));
    for (let b = 0; b < 12; b++)
      f.log.appendBatch(Array.from({ length: 250 }, (_, j) => sampleInput(200 + b * 250 + j)));
    expect(f.log.head().seq).toBe(3200);
    expect(verifyAuditLog(f.db)).toEqual({ ok: true, records: 3200 });
    expect(f.log.appendBatch([])).toEqual([]);
  });

  it("continues the chain after the database is reopened", () => {
    f = makeFixture();
    for (let i = 0; i < 5; i++) f.log.append(sampleInput(i));
    const before = f.log.head();
    f.reopen();
    expect(f.log.head()).toEqual(before);
    const next = f.log.append(sampleInput(5));
    expect(next.seq).toBe(6);
    expect(next.prev_hash).toBe(before.hash);
    expect(verifyAuditLog(f.db)).toEqual({ ok: true, records: 6 });
  });

  it("keeps one chain when two connections append to the same file", () => {
    f = makeFixture();
    const db2 = openDatabase(f.dbPath);
    try {
      const log2 = createAuditLog({
        db: db2,
        keys: f.keys,
        site: "demo",
        gateway: "gw1",
        clock: steppingClock(T0 + 10_000),
      });
      for (let i = 0; i < 50; i++) (i % 3 === 0 ? log2 : f.log).append(sampleInput(i));
      expect(f.log.head()).toEqual(log2.head());
      expect(verifyAuditLog(f.db)).toEqual({ ok: true, records: 50 });
    } finally {
      db2.close();
    }
  });

  it("takes the timestamp from the injected clock, in UTC with milliseconds", () => {
    f = makeFixture(() => Date.UTC(2027, 0, 2, 3, 4, 5, 6) + 0.9);
    expect(f.log.append(sampleInput(0)).ts).toBe("2027-01-02T03:04:05.006Z");
  });
});

describe("AuditLog.append inside a caller's transaction", () => {
  function withInbox(fx: Fixture) {
    fx.db.exec("CREATE TABLE test_inbox (job_id TEXT PRIMARY KEY)");
    return fx.db.prepare("INSERT INTO test_inbox (job_id) VALUES (?)");
  }

  it("commits the job row and its job.accepted record together", () => {
    f = makeFixture();
    const insert = withInbox(f);
    const record = f.db
      .transaction(() => {
        insert.run("job-1");
        return f.log.append({ action: "job.accepted", outcome: "ok", target: { jobId: "job-1" } });
      })
      .immediate();
    expect(record.seq).toBe(1);
    expect(f.db.prepare("SELECT count(*) AS n FROM test_inbox").get()).toEqual({ n: 1 });
    expect(f.log.search({ jobId: "job-1", limit: 5 })).toEqual([record]);
  });

  it("leaves the chain intact when the outer transaction rolls back", () => {
    f = makeFixture();
    const insert = withInbox(f);
    const first = f.log.append(sampleInput(0));
    expect(() =>
      f.db
        .transaction(() => {
          insert.run("job-2");
          const r = f.log.append({
            action: "job.accepted",
            outcome: "ok",
            target: { jobId: "job-2" },
          });
          expect(r.seq).toBe(2); // visible inside the transaction …
          throw new Error("inbox said no");
        })
        .immediate(),
    ).toThrow("inbox said no");
    // … and gone after the rollback, together with the job row.
    expect(f.db.prepare("SELECT count(*) AS n FROM test_inbox").get()).toEqual({ n: 0 });
    expect(f.log.head()).toEqual({ seq: 1, hash: first.hash });
    const next = f.log.append(sampleInput(1));
    expect(next).toMatchObject({ seq: 2, prev_hash: first.hash });
    expect(verifyAuditLog(f.db)).toEqual({ ok: true, records: 2 });
  });

  it("leaves the chain intact when an inner savepoint rolls back and the outer commits", () => {
    f = makeFixture();
    const records = f.db
      .transaction(() => {
        const a = f.log.append(sampleInput(0));
        try {
          f.db.transaction(() => {
            f.log.append(sampleInput(1));
            throw new Error("undo this one");
          })();
        } catch {
          // expected
        }
        const b = f.log.append(sampleInput(2));
        return [a, b];
      })
      .immediate();
    expect(records.map((r) => r.seq)).toEqual([1, 2]);
    expect(records[1]?.prev_hash).toBe(records[0]?.hash);
    expect(verifyAuditLog(f.db)).toEqual({ ok: true, records: 2 });
  });
});

describe("AuditLog failures", () => {
  it("throws audit_unavailable (retryable) when the write lock cannot be had, then recovers", () => {
    f = makeFixture();
    f.log.append(sampleInput(0));
    const blocker = new Database(f.dbPath);
    const impatient = openDatabase(f.dbPath, { busyTimeoutMs: 20 });
    try {
      const log2 = createAuditLog({
        db: impatient,
        keys: f.keys,
        site: "demo",
        gateway: "gw1",
        clock: steppingClock(),
      });
      blocker.exec("BEGIN IMMEDIATE");
      let caught: unknown;
      try {
        log2.append(sampleInput(1));
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(CodedError);
      expect(caught).toMatchObject({
        code: "audit_unavailable",
        retryable: true,
        details: { reason: "sqlite_error", sqliteCode: "SQLITE_BUSY" },
      });
      blocker.exec("COMMIT");
      expect(log2.append(sampleInput(1)).seq).toBe(2);
      expect(verifyAuditLog(f.db)).toEqual({ ok: true, records: 2 });
    } finally {
      blocker.close();
      impatient.close();
    }
  });

  it("throws audit_unavailable when the database is closed", () => {
    f = makeFixture();
    f.db.close();
    expect(codeOf(() => f.log.append(sampleInput(0))).code).toBe("audit_unavailable");
  });

  it.each([
    ["action", { action: "print.teleported" }],
    ["outcome", { outcome: "fine" }],
    ["reason", { reason: "Recipient 张三 refused" }],
    ["digest", { digest: "not-a-digest" }],
    ["waybillNo", { waybillNo: "   " }],
    ["target.jobId", { target: { jobId: "" } }],
    ["actor.operator", { actor: { operator: "E1\nE2" } }],
    ["place.area", { place: { area: "x".repeat(129) } }],
  ])("refuses bad %s before writing anything, without echoing it", (field, patch) => {
    f = makeFixture();
    const bad = { ...sampleInput(0), ...patch } as Parameters<typeof f.log.append>[0];
    let caught: unknown;
    try {
      f.log.append(bad);
    } catch (e) {
      caught = e;
    }
    expect(caught).toMatchObject({
      code: "internal",
      details: { reason: "invalid_audit_input", field },
    });
    expect(JSON.stringify(caught) + String(caught)).not.toContain("张三");
    expect(f.log.head().seq).toBe(0);
  });

  it("refuses an invalid clock reading", () => {
    f = makeFixture(() => Number.NaN);
    expect(codeOf(() => f.log.append(sampleInput(0)))).toMatchObject({
      code: "internal",
      details: { reason: "invalid_clock" },
    });
  });

  it("refuses to open with keys other than those the log was written with", () => {
    f = makeFixture();
    f.log.append(sampleInput(0));
    const otherKeys = loadOrCreateKeys(join(f.dir, "other"));
    expect(
      codeOf(() =>
        createAuditLog({
          db: f.db,
          keys: otherKeys,
          site: "demo",
          gateway: "gw1",
          clock: steppingClock(),
        }),
      ),
    ).toMatchObject({
      code: "audit_unavailable",
      details: { reason: "key_mismatch" },
    });
  });

  it("refuses to open on a last record that does not match its hash", () => {
    f = makeFixture();
    for (let i = 0; i < 3; i++) f.log.append(sampleInput(i));
    f.db.close();
    tamper(f.dbPath, "UPDATE audit_log SET outcome = 'error' WHERE seq = 3");
    expect(codeOf(() => f.reopen())).toMatchObject({
      code: "audit_unavailable",
      details: { reason: "tail_corrupt", seq: 3 },
    });
  });
});

describe("AuditLog.search and openWaybill", () => {
  it("finds records by job id, action and waybill number, newest first, up to limit", () => {
    f = makeFixture();
    for (let i = 0; i < 20; i++)
      f.log.append({ ...sampleInput(i), target: { jobId: `job-${i % 4}`, device: "zpl-1" } });
    const job1 = f.log.search({ jobId: "job-1", limit: 100 });
    expect(job1.map((r) => r.seq)).toEqual([18, 14, 10, 6, 2]);
    expect(
      f.log.search({ jobId: "job-1", action: "print.completed", limit: 2 }).map((r) => r.seq),
    ).toEqual([18, 14]);
    // Any spelling of the number finds it: lower case, full-width, spaces around.
    const full =
      "ｓｆ" +
      waybillNo(7)
        .slice(2)
        .replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d)));
    expect(f.log.search({ waybillNo: ` ${full} `, limit: 5 }).map((r) => r.seq)).toEqual([8]);
    expect(f.log.search({ jobId: "nope", limit: 5 })).toEqual([]);
    expect(f.log.search({ limit: 3 }).map((r) => r.seq)).toEqual([20, 19, 18]);
    expect(codeOf(() => f.log.search({ limit: 0 })).code).toBe("internal");
  });

  it("cannot open a waybill_enc moved into another record", () => {
    f = makeFixture();
    const a = f.log.append(sampleInput(0));
    const b = f.log.append(sampleInput(1));
    expect(f.log.openWaybill(b)).toBe(waybillNo(1));
    expect(codeOf(() => f.log.openWaybill({ ...b, waybill_enc: a.waybill_enc }))).toMatchObject({
      code: "internal",
      details: { reason: "seal_auth_failed" },
    });
  });
});

describe("waybillAad", () => {
  it("is the documented string, so recovery tools can rebuild it", () => {
    expect(waybillAad("demo", "gw1", 42)).toBe(
      "labelgate.audit.v1/waybill\u0000demo\u0000gw1\u000042",
    );
  });
});
