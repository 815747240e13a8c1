import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import {
  createRecordHasher,
  HASHED_COLUMNS,
  type HashedValue,
} from "../../../src/audit/encoding.ts";
import { verifyAuditLog } from "../../../src/audit/verify.ts";
import { openDatabase } from "../../../src/db/open.ts";
import { CodedError } from "../../../src/errors.ts";
import { makeFixture, sampleInput, tamper, type Fixture } from "./helpers.ts";

let f: Fixture;
afterEach(() => f.cleanup());

const N = 2000;
const K = 1234; // the record that gets tampered with

function filled(n = N): Fixture {
  const fx = makeFixture();
  for (let b = 0; b < n; b += 500)
    fx.log.appendBatch(Array.from({ length: Math.min(500, n - b) }, (_, j) => sampleInput(b + j)));
  fx.db.close();
  return fx;
}

/** Verifies through a fresh read-only connection, as `labelgate audit verify` does. */
function verifyFile(path: string) {
  const db = openDatabase(path, { readonly: true });
  try {
    return verifyAuditLog(db);
  } finally {
    db.close();
  }
}

/** One byte of a value changed, its type and length kept (TEXT stays valid UTF-8). */
function flipOneByte(v: unknown): unknown {
  if (typeof v === "string") {
    // The last letter or digit: inside a JSON string value, so the JSON stays well-formed (the
    // job-id and waybill_ref indexes parse it), and ASCII, so the text stays valid UTF-8.
    const i = v.search(/[0-9A-Za-z][^0-9A-Za-z]*$/);
    return v.slice(0, i) + String.fromCharCode(v.charCodeAt(i) ^ 0x01) + v.slice(i + 1);
  }
  if (v instanceof Uint8Array) {
    const copy = Buffer.from(v);
    copy[copy.length >> 1] = (copy[copy.length >> 1] ?? 0) ^ 0x01;
    return copy;
  }
  throw new Error(`cannot flip ${typeof v}`);
}

describe("verifyAuditLog", () => {
  it("accepts an intact log of a few thousand records", () => {
    f = filled();
    expect(verifyFile(f.dbPath)).toEqual({ ok: true, records: N });
  });

  it("accepts an empty log", () => {
    f = makeFixture();
    expect(verifyAuditLog(f.db)).toEqual({ ok: true, records: 0 });
  });

  // Every hashed column and the hash itself: one byte changed in record K is reported at K.
  const cases = [...HASHED_COLUMNS.filter((c) => c !== "seq"), "hash"].map((column) => [
    column,
    column === "prev_hash" ? "prev_hash_mismatch" : "hash_mismatch",
  ]);
  it.each(cases)("names the record whose %s lost one byte (%s)", (column, reason) => {
    f = filled();
    const raw = new Database(f.dbPath, { readonly: true });
    const before = raw.prepare(`SELECT ${column} AS v FROM audit_log WHERE seq = ?`).get(K) as {
      v: unknown;
    };
    raw.close();
    tamper(f.dbPath, `UPDATE audit_log SET ${column} = ? WHERE seq = ?`, flipOneByte(before.v), K);
    expect(verifyFile(f.dbPath)).toEqual({
      ok: false,
      records: K - 1,
      firstBad: { seq: K, reason },
    });
  });

  it("names the record whose outcome was rewritten", () => {
    f = filled();
    tamper(f.dbPath, "UPDATE audit_log SET outcome = 'error' WHERE seq = ?", K);
    expect(verifyFile(f.dbPath)).toMatchObject({
      ok: false,
      firstBad: { seq: K, reason: "hash_mismatch" },
    });
  });

  it("reports a deleted middle record as a gap at its seq", () => {
    f = filled();
    tamper(f.dbPath, "DELETE FROM audit_log WHERE seq = ?", K);
    expect(verifyFile(f.dbPath)).toEqual({
      ok: false,
      records: K - 1,
      firstBad: { seq: K, reason: "seq_gap" },
    });
  });

  it("reports a deleted first record as a gap at seq 1", () => {
    f = filled(10);
    tamper(f.dbPath, "DELETE FROM audit_log WHERE seq = 1");
    expect(verifyFile(f.dbPath)).toEqual({
      ok: false,
      records: 0,
      firstBad: { seq: 1, reason: "seq_gap" },
    });
  });

  it("reports a renumbered record as a gap", () => {
    f = filled(10);
    tamper(f.dbPath, "UPDATE audit_log SET seq = 100 WHERE seq = 5");
    expect(verifyFile(f.dbPath)).toEqual({
      ok: false,
      records: 4,
      firstBad: { seq: 5, reason: "seq_gap" },
    });
  });

  it("catches a record changed and re-hashed at the next link", () => {
    f = filled(10);
    const raw = new Database(f.dbPath, { readonly: true });
    const row = raw
      .prepare(`SELECT ${HASHED_COLUMNS.join(", ")} FROM audit_log WHERE seq = 5`)
      .raw(true)
      .get() as HashedValue[];
    raw.close();
    row[HASHED_COLUMNS.indexOf("outcome")] = "error";
    const rehashed = createRecordHasher()(row);
    const db = new Database(f.dbPath);
    db.prepare("UPDATE audit_log SET outcome = 'error', hash = ? WHERE seq = 5").run(rehashed);
    db.close();
    expect(verifyFile(f.dbPath)).toEqual({
      ok: false,
      records: 5,
      firstBad: { seq: 6, reason: "prev_hash_mismatch" },
    });
  });

  it("reports the first of several bad records", () => {
    f = filled(50);
    tamper(f.dbPath, "UPDATE audit_log SET action = 'job.accepted' WHERE seq = 40");
    tamper(f.dbPath, "DELETE FROM audit_log WHERE seq = 20");
    expect(verifyFile(f.dbPath)).toMatchObject({ firstBad: { seq: 20, reason: "seq_gap" } });
  });

  it("reports a value of the wrong type in a table that lost STRICT", () => {
    f = filled(5);
    const db = new Database(f.dbPath);
    // Rebuild the table without STRICT, as someone editing the file by hand could.
    db.exec(`CREATE TABLE loose AS SELECT * FROM audit_log; DROP TABLE audit_log; ALTER TABLE loose RENAME TO audit_log;
             UPDATE audit_log SET digest = x'00' WHERE seq = 3;`);
    db.close();
    expect(verifyFile(f.dbPath)).toEqual({
      ok: false,
      records: 2,
      firstBad: { seq: 3, reason: "bad_type" },
    });
  });

  it("throws audit_unavailable when the database has no audit log", () => {
    const dir = mkdtempSync(join(tmpdir(), "labelgate-verify-"));
    f = { cleanup: () => rmSync(dir, { recursive: true, force: true }) } as Fixture;
    const db = openDatabase(join(dir, "empty.db"));
    try {
      expect(() => verifyAuditLog(db)).toThrow(CodedError);
      expect(() => verifyAuditLog(db)).toThrow(
        expect.objectContaining({ code: "audit_unavailable", details: { reason: "no_audit_log" } }),
      );
    } finally {
      db.close();
    }
  });
});
