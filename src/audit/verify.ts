/**
 * Offline verification of the audit chain: recomputes every record's hash (see `encoding.ts`),
 * checks every link and the continuity of `seq`. Needs no key: anyone holding the database file
 * can run it. It streams the table in one read snapshot, so it runs in constant memory on
 * millions of records, and alongside a running gateway (WAL readers do not block the writer).
 *
 * What it cannot see alone: records cut off the end of the log, or a chain rewritten and
 * re-hashed from the point of change onwards by someone holding the file. Those are detected
 * against signed checkpoints kept off the box (`trail.ts`). The scan itself is in `chain-scan.ts`.
 */
import { CodedError } from "../errors.ts";
import type { Db } from "../db/open.ts";
import {
  defaultThreads,
  fastScanSafe,
  PARALLEL_MIN_RECORDS,
  scanInProcess,
  scanParallel,
  type PartOut,
} from "./chain-scan.ts";
import { GENESIS_HASH } from "./encoding.ts";

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

/**
 * {@link verifyAuditLog} in a worker thread (see `verifyChainParallel`'s `offThread`): the same
 * result and errors, without blocking the caller's event loop for the length of the scan.
 */
export async function verifyAuditLogOffThread(db: Db): Promise<VerifyResult> {
  const r = await verifyChainParallel(db, { offThread: true });
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
  /**
   * Walk every record row by row instead of taking the chunked fast path (see `chain-scan.ts`);
   * the result is the same, only slower. Default false; tests compare the two.
   */
  readonly rowByRow?: boolean;
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
  /** Chunks the fast path did not accept and that were walked row by row (0 on an intact log). */
  readonly rowWalkChunks: number;
}

/** How often `onProgress` is called, in records. */
export const PROGRESS_EVERY = 65_536;

/**
 * The chain walk behind {@link verifyAuditLog}, with a start point (after a purge), hash capture
 * for checkpoint sizes and progress. Same errors as `verifyAuditLog`.
 */
export function verifyChain(db: Db, o: ChainOptions = {}): ChainResult {
  const p = plan(db, o);
  if (p.to < p.from) return { records: 0, hashes: new Map(), rowWalkChunks: 0 };
  let done = 0;
  const out = guardRead(() =>
    scanInProcess(
      db,
      p.from,
      p.to,
      p.prevHash,
      p.wanted,
      (n) => {
        done += n;
        o.onProgress?.(done);
      },
      o.rowByRow !== true,
    ),
  );
  return finish(db, p, out);
}

/**
 * {@link verifyChain} split across worker threads for long logs (see `chain-scan.ts`); the same
 * result. `threads` defaults to the number of cores (at most 4); logs shorter than
 * `PARALLEL_MIN_RECORDS`, and in-memory databases, are verified in this thread.
 */
export async function verifyChainParallel(
  db: Db,
  o: ChainOptions & {
    readonly threads?: number;
    readonly parallelMin?: number;
    /**
     * Verify in worker threads whatever the log's length (one worker below `parallelMin`), so
     * the calling thread's event loop stays free: for a daemon that verifies while it prints.
     * An in-memory database (no file a worker could open) is still verified in this thread.
     */
    readonly offThread?: boolean;
  } = {},
): Promise<ChainResult> {
  let threads = o.threads ?? defaultThreads();
  const p = plan(db, o);
  const small = p.to - p.from + 1 < (o.parallelMin ?? PARALLEL_MIN_RECORDS);
  if (o.offThread === true && p.to >= p.from) threads = small ? 1 : Math.max(1, threads);
  else if (threads <= 1 || small) return verifyChain(db, o);
  if (db.memory) return verifyChain(db, o);
  let done = 0;
  const fast = o.rowByRow !== true && guardRead(() => fastScanSafe(db));
  const out = await scanParallel(
    db.name,
    p.from,
    p.to,
    p.prevHash,
    p.wanted,
    threads,
    (n) => {
      done += n;
      o.onProgress?.(done);
    },
    fast,
  ).catch((e: unknown) => {
    throw readError(e);
  });
  return finish(db, p, out);
}

interface Plan {
  readonly from: number;
  readonly to: number;
  readonly prevHash: string;
  readonly wanted: readonly number[];
}

function plan(db: Db, o: ChainOptions): Plan {
  return guardRead(() => {
    const exists = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'")
      .get();
    if (exists === undefined) {
      throw new CodedError("audit_unavailable", "the database has no audit log", {
        reason: "no_audit_log",
      });
    }
    const from = o.start?.seq ?? 1;
    const max = db.prepare("SELECT max(seq) FROM audit_log").pluck().get() as number | null;
    return {
      from,
      to: max ?? from - 1,
      prevHash: o.start?.prevHash ?? GENESIS_HASH,
      wanted: [...(o.wanted ?? [])],
    };
  });
}

function finish(db: Db, p: Plan, out: PartOut): ChainResult {
  const tsOf = (seq: number) =>
    guardRead(
      () => db.prepare("SELECT ts FROM audit_log WHERE seq = ?").pluck().get(seq) as string,
    );
  const lastSeq = p.from + out.good - 1;
  return {
    records: out.good,
    ...(out.bad !== undefined && { firstBad: out.bad }),
    ...(out.good > 0 && {
      last: { seq: lastSeq, hash: out.last, ts: tsOf(lastSeq) },
      firstTs: tsOf(p.from),
    }),
    hashes: new Map(out.hashes),
    rowWalkChunks: out.rowWalkChunks,
  };
}

function guardRead<T>(op: () => T): T {
  try {
    return op();
  } catch (e) {
    throw readError(e);
  }
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
