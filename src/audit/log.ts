/**
 * The audit log v0: append-only, hash-chained records in the gateway's SQLite database
 * (DESIGN.md §5). Signed checkpoints and group commit come later and build on this.
 *
 * Where the head lives. The chain's head (last seq and hash) is read from the table inside the
 * write transaction of every append, not kept in a variable. That costs one rowid B-tree descent
 * (about a microsecond, against a millisecond-scale fsync), and in exchange:
 * - an append inside a caller's transaction that later rolls back leaves nothing behind: there is
 *   no cached head to repair, the next append simply sees the committed tail;
 * - another connection (the CLI recording `export.performed` from its own process) can append
 *   to the same file without forking the chain, since each writer holds SQLite's write lock
 *   while it reads the tail and inserts;
 * - a restart needs no reload beyond what SQLite already has on disk.
 * At open, the last record is read and its hash recomputed, so a damaged tail stops the log
 * before new records are chained onto it.
 */
import type { Statement } from "better-sqlite3";
import { CodedError } from "../errors.ts";
import type { Keys } from "../crypto/keys.ts";
import {
  openKeyed,
  sealKeyed,
  waybillRef,
  waybillRefs,
  type WaybillRefKeyring,
} from "../crypto/seal.ts";
import { migrate, type Db } from "../db/open.ts";
import {
  canonicalJson,
  createRecordHasher,
  GENESIS_HASH,
  HASHED_COLUMNS,
  type HashedValue,
} from "./encoding.ts";
import { checkInput, checkName, type CheckedInput } from "./input.ts";
import { AUDIT_MIGRATION_NAME, AUDIT_MIGRATIONS } from "./schema.ts";
import { rowToRecord, type AuditRow } from "./row.ts";
import type { AuditHead, AuditInput, AuditPlace, AuditQuery, AuditRecord } from "./types.ts";

export interface AuditLogOptions {
  /** An open database (see `openDatabase`); the log creates its tables on first use. */
  readonly db: Db;
  readonly keys: Keys;
  /** Site code stored in every record, e.g. `"demo"`. */
  readonly site: string;
  /** Gateway id stored in every record, e.g. `"gw-1"`. */
  readonly gateway: string;
  /** Wall clock in milliseconds since the Unix epoch (`Date.now` in production). */
  readonly clock: () => number;
}

export interface AuditLog {
  /**
   * Appends one record and returns it as stored. Synchronous.
   *
   * On its own, it runs in a `BEGIN IMMEDIATE` transaction, and when it returns the record is
   * committed and (with `synchronous = FULL`) on disk: the caller may now print.
   *
   * Inside a caller's `db.transaction(...)` it runs in a savepoint, and the record becomes
   * durable when, and only if, the caller's transaction commits; a rollback removes it without
   * harm to the chain (see the module comment). Such callers should start their transaction with
   * `.immediate()`: a deferred one that reads first may fail with SQLITE_BUSY when another
   * connection has written in between.
   *
   * Throws CodedError `internal` (`details.reason = "invalid_audit_input"`, `details.field`) for
   * input that breaks the rules of {@link AuditInput}, before anything is written, and CodedError
   * `audit_unavailable` (retryable; the cause attached) when the write fails: printing must stop.
   */
  append(input: AuditInput): AuditRecord;
  /**
   * Appends several records in one transaction: one fsync for the batch (group commit). All or
   * none are written. Same contract as {@link append} otherwise.
   */
  appendBatch(inputs: readonly AuditInput[]): AuditRecord[];
  /**
   * The end of the chain as this connection sees it (read from the table, like `append` does):
   * the committed head, or, inside a caller's open transaction, including its own uncommitted
   * records. `{seq: 0, hash: GENESIS_HASH}` while the log is empty. Throws `audit_unavailable`.
   */
  head(): AuditHead;
  /**
   * Records matching every given filter, newest first, at most `limit` (1 … 10,000). Look-ups
   * by `jobId` and `waybillNo` use indexes; `action` alone scans from the newest record.
   */
  search(query: AuditQuery): AuditRecord[];
  /**
   * Decrypts a record's waybill number (normalized, see `normalizeWaybillNo`) for an authorized
   * recovery; null when the record has none. Throws CodedError `internal` with
   * `details.reason = "seal_auth_failed"` when `waybill_enc` was altered or moved to another record.
   */
  openWaybill(record: Pick<AuditRecord, "seq" | "site" | "gateway" | "waybill_enc">): string | null;
}

/**
 * The SQL condition (on `audit_log`) that finds the records of a waybill number through their
 * `waybill_ref`, under every HMAC key generation (see `waybillRefs`), so records tagged before a
 * `keys rotate` are found too. Uses the `audit_log_waybill_ref` index.
 */
export function waybillRefMatch(
  keys: WaybillRefKeyring,
  waybillNo: string,
): { sql: string; params: string[] } {
  const refs = waybillRefs(keys, waybillNo);
  return {
    sql: `json_extract(target, '$.waybill_ref') IN (${refs.map(() => "?").join(", ")})`,
    params: refs,
  };
}

/** Largest `limit` accepted by `search`. */
export const MAX_SEARCH_LIMIT = 10_000;

/**
 * The associated data (`aad` of `seal`) that binds a record's `waybill_enc` to that record, so a
 * ciphertext copied into another record fails to open:
 * `"labelgate.audit.v1/waybill" NUL site NUL gateway NUL seq-in-decimal`. NUL cannot occur in a
 * site or gateway name (control characters are refused), so the fields cannot run together.
 */
export function waybillAad(site: string, gateway: string, seq: number): string {
  return `labelgate.audit.v1/waybill\0${site}\0${gateway}\0${seq}`;
}

/**
 * Opens the audit log in `options.db`: migrates its tables, checks that `options.keys` are the
 * keys the log was written with (recording their fingerprint on first use), and checks the hash
 * of the last record. Throws CodedError `audit_unavailable` with `details.reason`
 * `"key_mismatch"`, `"tail_corrupt"` (with `details.seq`) or `"sqlite_error"`.
 */
export function createAuditLog(options: AuditLogOptions): AuditLog {
  const { db, keys, clock } = options;
  const site = checkName(options.site, "site");
  const gateway = checkName(options.gateway, "gateway");
  const hash = createRecordHasher();

  guard(() => {
    migrate(db, AUDIT_MIGRATION_NAME, AUDIT_MIGRATIONS);
    checkKeyFingerprint(db, keys.fingerprint);
  });

  const tailStmt = db
    .prepare<[], [number, string]>("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
    .raw(true);
  const lastRowStmt = db
    .prepare<[], [...HashedValue[], string]>(
      `SELECT ${HASHED_COLUMNS.join(", ")}, hash FROM audit_log ORDER BY seq DESC LIMIT 1`,
    )
    .raw(true);
  const insertStmt = db.prepare<HashedValue[]>(
    `INSERT INTO audit_log (seq, ts, site, gateway, place, actor, action, target, outcome, reason, digest, waybill_enc, prev_hash, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );

  guard(() => {
    const last = lastRowStmt.get();
    if (last === undefined) return;
    // Hashed from the stored column values, exactly as `verifyAuditLog` does.
    if (hash(last.slice(0, HASHED_COLUMNS.length)) !== last[HASHED_COLUMNS.length]) {
      throw new CodedError("audit_unavailable", "the last audit record does not match its hash", {
        reason: "tail_corrupt",
        seq: Number(last[0]),
      });
    }
  });

  function insertOne(input: CheckedInput, ms: number): AuditRecord {
    const tail = tailStmt.get();
    const seq = tail === undefined ? 1 : tail[0] + 1;
    const prevHash = tail === undefined ? GENESIS_HASH : tail[1];
    const ref = input.waybillNo === undefined ? undefined : waybillRef(keys, input.waybillNo);
    const enc =
      input.waybillNo === undefined
        ? null
        : sealKeyed(keys, Buffer.from(input.waybillNo, "utf8"), waybillAad(site, gateway, seq));
    // The objects of the returned record and their stored canonical JSON, built once each
    // (parsing back what was just serialized cost a tenth of an append).
    // Keys in canonical (sorted) order, as a record read back from the table has them.
    const placeObj = flat({ area: input.area, site, workstation: input.workstation });
    const actorObj = flat({ client: input.client, operator: input.operator });
    const targetObj = flat({
      device: input.device,
      device_serial: input.deviceSerial,
      job_id: input.jobId,
      waybill_ref: ref,
    });
    const place = canonicalJson(placeObj);
    const actor = canonicalJson(actorObj);
    const target = canonicalJson(targetObj);
    const ts = new Date(ms).toISOString();
    const values: HashedValue[] = [
      seq,
      ts,
      site,
      gateway,
      place,
      actor,
      input.action,
      target,
      input.outcome,
      input.reason,
      input.digest,
      enc,
      prevHash,
    ];
    const recordHash = hash(values);
    insertStmt.run(...values, recordHash);
    return {
      seq,
      ts,
      site,
      gateway,
      place: placeObj as unknown as AuditPlace,
      actor: actorObj,
      action: input.action,
      target: targetObj,
      outcome: input.outcome,
      reason: input.reason,
      digest: input.digest,
      waybill_enc: enc,
      prev_hash: prevHash,
      hash: recordHash,
    };
  }

  const appendTx = db.transaction(
    (batch: readonly (readonly [CheckedInput, number])[]): AuditRecord[] =>
      batch.map(([input, ms]) => insertOne(input, ms)),
  );

  function appendAll(inputs: readonly AuditInput[]): AuditRecord[] {
    // Checked and timed before the transaction: bad input or a broken clock is a bug to report
    // as such, not an unavailable audit log.
    const batch = inputs.map((input) => [checkInput(input), readClock(clock)] as const);
    if (batch.length === 0) return [];
    const only = batch.length === 1 ? batch[0] : undefined;
    // One record inside a caller's transaction (the group commit's case) needs no savepoint of
    // its own: its single INSERT is atomic, so when anything fails nothing of it was written.
    if (only !== undefined && db.inTransaction) return guard(() => [insertOne(only[0], only[1])]);
    // Nested in a caller's transaction, better-sqlite3 turns this into a savepoint.
    return guard(() => appendTx.immediate(batch));
  }

  const searchStmts = new Map<string, Statement<unknown[], AuditRow>>();

  return {
    append(input) {
      const [record] = appendAll([input]);
      if (record === undefined) throw new CodedError("internal", "append returned no record");
      return record;
    },
    appendBatch: appendAll,
    head() {
      const tail = guard(() => tailStmt.get());
      return tail === undefined ? { seq: 0, hash: GENESIS_HASH } : { seq: tail[0], hash: tail[1] };
    },
    search(query) {
      if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_SEARCH_LIMIT) {
        throw new CodedError("internal", "invalid audit search: limit", {
          reason: "invalid_audit_input",
          field: "limit",
        });
      }
      const where: string[] = [];
      const params: unknown[] = [];
      if (query.jobId !== undefined) {
        where.push("json_extract(target, '$.job_id') = ?");
        params.push(query.jobId);
      }
      if (query.waybillNo !== undefined) {
        const m = waybillRefMatch(keys, query.waybillNo);
        where.push(m.sql);
        params.push(...m.params);
      }
      if (query.action !== undefined) {
        where.push("action = ?");
        params.push(query.action);
      }
      const sql = `SELECT * FROM audit_log ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY seq DESC LIMIT ?`;
      let stmt = searchStmts.get(sql);
      if (stmt === undefined) {
        stmt = guard(() => db.prepare<unknown[], AuditRow>(sql));
        searchStmts.set(sql, stmt);
      }
      const rows = guard(() => stmt.all(...params, query.limit));
      return rows.map(rowToRecord);
    },
    openWaybill(record) {
      if (record.waybill_enc === null) return null;
      const plain = openKeyed(
        keys,
        record.waybill_enc,
        waybillAad(record.site, record.gateway, record.seq),
      );
      return Buffer.from(plain).toString("utf8");
    },
  };
}

/** The object with its undefined properties left out (as canonical JSON leaves them out). */
function flat(o: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

function checkKeyFingerprint(db: Db, fingerprint: string): void {
  db.transaction(() => {
    const row = db
      .prepare<[], { value: string }>("SELECT value FROM audit_meta WHERE key = 'key_fingerprint'")
      .get();
    if (row === undefined) {
      db.prepare("INSERT INTO audit_meta (key, value) VALUES ('key_fingerprint', ?)").run(
        fingerprint,
      );
    } else if (row.value !== fingerprint) {
      // Records written from now on would carry waybill_refs that do not match the old ones and
      // waybill_enc the old key cannot open: refuse instead of splitting the log silently.
      throw new CodedError(
        "audit_unavailable",
        "the keys differ from those the audit log was written with",
        {
          reason: "key_mismatch",
        },
      );
    }
  }).immediate();
}

function readClock(clock: () => number): number {
  const ms = clock();
  // Date's range is ±8.64e15 ms; outside it toISOString throws.
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) {
    throw new CodedError("internal", "the clock returned an invalid time", {
      reason: "invalid_clock",
    });
  }
  return Math.trunc(ms);
}

/**
 * Runs a database operation. A CodedError passes through (it already says what is wrong, e.g.
 * `migration_changed` or `key_mismatch`); any other failure (SQLITE_BUSY, SQLITE_FULL,
 * SQLITE_IOERR …) becomes CodedError `audit_unavailable` with the SQLite code and the cause.
 */
function guard<T>(op: () => T): T {
  try {
    return op();
  } catch (e) {
    if (e instanceof CodedError) throw e;
    const sqliteCode = sqliteErrorCode(e);
    throw new CodedError(
      "audit_unavailable",
      "the audit log cannot be written",
      { reason: "sqlite_error", ...(sqliteCode !== undefined ? { sqliteCode } : {}) },
      e,
    );
  }
}

function sqliteErrorCode(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "code" in e && typeof e.code === "string"
    ? e.code
    : undefined;
}
