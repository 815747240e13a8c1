/**
 * The audit log's tables, as migration steps of module `"audit"` (see `migrate` in
 * `src/db/open.ts`). Released steps are never edited; later changes append a step.
 */

/** Module name under which the audit tables are migrated. */
export const AUDIT_MIGRATION_NAME = "audit";

/**
 * Step 1:
 * - `audit_log`, one row per record. STRICT, so a raw `UPDATE` cannot slip a value of another
 *   type into a column (the hash encoding depends on column types). `seq` is the rowid, so the
 *   tail (`ORDER BY seq DESC LIMIT 1`) is one B-tree descent.
 * - No triggers refusing UPDATE or DELETE: they would stop no one who holds the file (a DROP
 *   TRIGGER away), the approved retention purge (a later issue) needs DELETE, and what does
 *   detect a change is the hash chain (and, later, the signed checkpoints). Append-only is the
 *   API's contract: nothing in the code base updates or deletes `audit_log` rows.
 * - Expression indexes for look-ups by job id and waybill_ref (console, regulator requests).
 * - `audit_meta`: small key/value facts about the log, e.g. the fingerprint of the keys it was
 *   written with.
 */
const STEP_1 = `
CREATE TABLE audit_log (
  seq         INTEGER PRIMARY KEY CHECK (seq >= 1),
  ts          TEXT NOT NULL,
  site        TEXT NOT NULL,
  gateway     TEXT NOT NULL,
  place       TEXT NOT NULL,
  actor       TEXT NOT NULL,
  action      TEXT NOT NULL,
  target      TEXT NOT NULL,
  outcome     TEXT NOT NULL,
  reason      TEXT,
  digest      TEXT,
  waybill_enc BLOB,
  prev_hash   TEXT NOT NULL CHECK (length(prev_hash) = 64),
  hash        TEXT NOT NULL CHECK (length(hash) = 64)
) STRICT;

CREATE INDEX audit_log_job_id ON audit_log (json_extract(target, '$.job_id'))
  WHERE json_extract(target, '$.job_id') IS NOT NULL;

CREATE INDEX audit_log_waybill_ref ON audit_log (json_extract(target, '$.waybill_ref'))
  WHERE json_extract(target, '$.waybill_ref') IS NOT NULL;

CREATE TABLE audit_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
`;

/**
 * Step 2 (issue #7):
 * - `audit_checkpoints`: every signed checkpoint (see `checkpoint.ts`), keyed by size; a heartbeat
 *   re-signs the same size with a later time and replaces the row. `verify` checks each one.
 * - `audit_tombstones`: one signed note per approved retention purge, stating that records below
 *   `below` were destroyed under `approval` and that record `below - 1` hashed to `hash`; verify
 *   starts the chain there instead of at seq 1.
 */
const STEP_2 = `
CREATE TABLE audit_checkpoints (
  size INTEGER PRIMARY KEY CHECK (size >= 0),
  hash TEXT NOT NULL CHECK (length(hash) = 64),
  ts   TEXT NOT NULL,
  note TEXT NOT NULL
) STRICT;

CREATE TABLE audit_tombstones (
  below    INTEGER PRIMARY KEY CHECK (below >= 2),
  hash     TEXT NOT NULL CHECK (length(hash) = 64),
  approval TEXT NOT NULL,
  note     TEXT NOT NULL
) STRICT;
`;

/** All migration steps of the audit module, version 1 first. */
export const AUDIT_MIGRATIONS: readonly string[] = [STEP_1, STEP_2];
