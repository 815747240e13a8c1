/**
 * Offline verification of the audit chain: recomputes every record's hash (see `encoding.ts`),
 * checks every link and the continuity of `seq`. Needs no key: anyone holding the database file
 * can run it. It streams the table in one read snapshot, so it runs in constant memory on
 * millions of records, and alongside a running gateway (WAL readers do not block the writer).
 *
 * What it cannot see alone: records cut off the end of the log, or a chain rewritten and
 * re-hashed from the point of change onwards by someone holding the file. Those are detected
 * against signed checkpoints kept off the box (DESIGN.md §5; a later issue).
 */
import { CodedError } from "../errors.ts";
import type { Db } from "../db/open.ts";
import { createRecordHasher, GENESIS_HASH, HASHED_COLUMNS, type HashedValue } from "./encoding.ts";

/**
 * Why a record is bad:
 * - `seq_gap`: the record with this seq is missing (deleted, or its seq changed); `seq` is the
 *   missing number;
 * - `prev_hash_mismatch`: its `prev_hash` is not the previous record's `hash` (a record before
 *   it was changed and re-hashed, or its own `prev_hash` was changed);
 * - `hash_mismatch`: its content does not hash to its `hash` (a column was changed);
 * - `bad_type`: a column holds a value of the wrong type (only possible if the table lost its
 *   STRICT typing, i.e. was rebuilt by hand).
 */
export type VerifyFailureReason = "seq_gap" | "prev_hash_mismatch" | "hash_mismatch" | "bad_type";

export type VerifyResult =
  | { readonly ok: true; readonly records: number }
  | {
      readonly ok: false;
      /** Records verified good before the first bad one. */
      readonly records: number;
      readonly firstBad: { readonly seq: number; readonly reason: VerifyFailureReason };
    };

const COLUMNS = [...HASHED_COLUMNS, "hash"] as const;

/** The SQLite type each selected column must hold, by position (index 0, `seq`, is checked apart). */
type Kind = "text" | "text?" | "blob?";
const KINDS: readonly Kind[] = COLUMNS.map((c): Kind => {
  if (c === "reason" || c === "digest") return "text?";
  if (c === "waybill_enc") return "blob?";
  return "text";
});

/**
 * Verifies the whole audit chain in `db`, from seq 1, stopping at the first bad record.
 * `records` counts the records verified good (all of them when `ok`). An empty log is ok with
 * 0 records. Throws CodedError `audit_unavailable` with `details.reason` `"no_audit_log"` when
 * the database has no audit table, or `"sqlite_error"` when SQLite cannot read it (a damaged
 * file: the caller reports an I/O error, not a verdict).
 */
export function verifyAuditLog(db: Db): VerifyResult {
  const r = verifyChain(db);
  return r.firstBad === undefined
    ? { ok: true, records: r.records }
    : { ok: false, records: r.records, firstBad: r.firstBad };
}

export interface ChainOptions {
  /** Where the chain starts: seq 1 after GENESIS_HASH, or after a purge tombstone. */
  readonly start?: { readonly seq: number; readonly prevHash: string };
  /** Seqs whose stored hash the caller wants back (checkpoint sizes), if verified good. */
  readonly wanted?: ReadonlySet<number>;
  /** Called every {@link PROGRESS_EVERY} records with the number verified so far. */
  readonly onProgress?: (done: number) => void;
}

export interface ChainResult {
  /** Records verified good, from `start.seq`. */
  readonly records: number;
  readonly firstBad?: { readonly seq: number; readonly reason: VerifyFailureReason };
  /** seq, hash and ts of the last good record (undefined when none). */
  readonly last?: { readonly seq: number; readonly hash: string; readonly ts: string };
  readonly firstTs?: string;
  /** Hashes of the `wanted` seqs that were verified good. */
  readonly hashes: ReadonlyMap<number, string>;
}

/** How often `onProgress` is called, in records. */
export const PROGRESS_EVERY = 65_536;

/**
 * The chain walk behind {@link verifyAuditLog}, with a start point (after a purge), hash capture
 * for checkpoint sizes and progress. Same errors as `verifyAuditLog`.
 */
export function verifyChain(db: Db, o: ChainOptions = {}): ChainResult {
  const hash = createRecordHasher();
  const wanted = o.wanted ?? new Set<number>();
  const hashes = new Map<number, string>();
  let firstTs: string | undefined;
  let lastTs = "";
  let rows: IterableIterator<unknown[]>;
  try {
    const exists = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'")
      .get();
    if (exists === undefined) {
      throw new CodedError("audit_unavailable", "the database has no audit log", {
        reason: "no_audit_log",
      });
    }
    rows = db
      .prepare<[number], unknown[]>(
        `SELECT ${COLUMNS.join(", ")} FROM audit_log WHERE seq >= ? ORDER BY seq`,
      )
      .raw(true)
      .iterate(o.start?.seq ?? 1);
  } catch (e) {
    throw readError(e);
  }

  let expected = o.start?.seq ?? 1;
  let prevHash = o.start?.prevHash ?? GENESIS_HASH;
  let good = 0;
  const done = (firstBad?: ChainResult["firstBad"]): ChainResult => ({
    records: good,
    ...(firstBad !== undefined && { firstBad }),
    ...(good > 0 && { last: { seq: expected - 1, hash: prevHash, ts: lastTs } }),
    ...(firstTs !== undefined && { firstTs }),
    hashes,
  });
  const fail = (seq: number, reason: VerifyFailureReason): ChainResult => done({ seq, reason });
  try {
    // Leaving the loop early (return) closes the iterator, which resets the statement and ends
    // the read snapshot.
    for (const row of rows) {
      const seq = row[0];
      if (typeof seq !== "number" && typeof seq !== "bigint") return fail(expected, "bad_type");
      if (Number(seq) !== expected) return fail(expected, "seq_gap");
      if (!typesOk(row)) return fail(expected, "bad_type");
      if (row[12] !== prevHash) return fail(expected, "prev_hash_mismatch");
      const stored = row[13] as string;
      if (hash(row as HashedValue[]) !== stored) return fail(expected, "hash_mismatch");
      prevHash = stored;
      lastTs = row[1] as string;
      firstTs ??= lastTs;
      if (wanted.has(expected)) hashes.set(expected, stored);
      expected++;
      good++;
      if ((good & (PROGRESS_EVERY - 1)) === 0) o.onProgress?.(good);
    }
  } catch (e) {
    throw readError(e);
  }
  return done();
}

function typesOk(row: readonly unknown[]): boolean {
  for (let i = 1; i < KINDS.length; i++) {
    const v = row[i];
    switch (KINDS[i]) {
      case "text":
        if (typeof v !== "string") return false;
        break;
      case "text?":
        if (v !== null && typeof v !== "string") return false;
        break;
      case "blob?":
        if (v !== null && !(v instanceof Uint8Array)) return false;
        break;
      case undefined:
        return false;
    }
  }
  return true;
}

function readError(e: unknown): CodedError {
  if (e instanceof CodedError) return e;
  const code =
    typeof e === "object" && e !== null && "code" in e && typeof e.code === "string"
      ? e.code
      : undefined;
  return new CodedError(
    "audit_unavailable",
    "the audit log cannot be read",
    { reason: "sqlite_error", ...(code !== undefined ? { sqliteCode: code } : {}) },
    e,
  );
}
