/**
 * The gateway's SQLite database: one file under the data directory, shared by several modules
 * (audit log, jobs inbox, …) that each own their tables and migrate them with {@link migrate}.
 */
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { CodedError } from "../errors.ts";

/** A better-sqlite3 connection. Synchronous; one per process and file is the normal case. */
export type Db = Database.Database;

export interface OpenDatabaseOptions {
  /**
   * How long a statement waits for another connection's lock before failing with SQLITE_BUSY,
   * in milliseconds. Default 5000: long enough to ride over a checkpoint or a CLI export in
   * another process, short enough that a stuck writer surfaces as an error (and an alert).
   */
  readonly busyTimeoutMs?: number;
  /**
   * Open an existing file read-only (for `audit verify` on evidence that must not be modified):
   * no directory is created and no journal mode is set. Default false.
   */
  readonly readonly?: boolean;
}

/** Default for {@link OpenDatabaseOptions.busyTimeoutMs}, in milliseconds. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creating if needed, with its parent directory) the database at `path` and sets:
 * - `journal_mode = WAL`: readers (verify, console) never block the writer;
 * - `synchronous = FULL`: every commit fsyncs the WAL, so a transaction that has returned is on
 *   disk (DESIGN.md §2 "audit before print"); NORMAL would lose the last commits on power loss;
 * - `foreign_keys = ON`, `busy_timeout` (see {@link OpenDatabaseOptions}).
 *
 * `":memory:"` is accepted for tests (no WAL there). Throws CodedError `internal` with
 * `details.reason = "open_failed"` when the file or directory cannot be opened or created, or
 * `"wal_unavailable"` when the file system refuses WAL (e.g. some network file systems).
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): Db {
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const readonly = options.readonly ?? false;
  const inMemory = path === ":memory:" || path === "";
  let db: Db;
  try {
    if (!inMemory && !readonly) mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, readonly ? { readonly: true, fileMustExist: true } : {});
  } catch (e) {
    throw new CodedError(
      "internal",
      "cannot open the database",
      { reason: "open_failed", path },
      e,
    );
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
    db.pragma("foreign_keys = ON");
    if (!readonly) {
      const mode: unknown = db.pragma("journal_mode = WAL", { simple: true });
      if (!inMemory && mode !== "wal") {
        throw new CodedError("internal", "the database refused WAL mode", {
          reason: "wal_unavailable",
          path,
          mode: String(mode),
        });
      }
      db.pragma("synchronous = FULL");
    }
  } catch (e) {
    db.close();
    if (e instanceof CodedError) throw e;
    throw new CodedError(
      "internal",
      "cannot configure the database",
      { reason: "open_failed", path },
      e,
    );
  }
  return db;
}

/**
 * Applies the not-yet-applied migration steps of one module, in order, in one IMMEDIATE
 * transaction together with their rows in `schema_migrations`, so a crash leaves either all of
 * them or none, and two processes starting at once cannot both apply a step.
 *
 * `name` is the owning module (`"audit"`, `"jobs"` …); `steps[i]` is version `i + 1` and may
 * hold several statements. Released steps must never be edited, only appended to: each step's
 * SHA-256 is stored, and a step whose text changed since it was applied is refused (CodedError
 * `internal`, `details.reason = "migration_changed"`), as is a database that has more steps than
 * the code knows (`"migration_newer"`, i.e. a downgrade). Returns the number of steps applied now.
 */
export function migrate(db: Db, name: string, steps: readonly string[]): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    name       TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    checksum   TEXT    NOT NULL,
    applied_at TEXT    NOT NULL,
    PRIMARY KEY (name, version)
  ) STRICT`);
  const applied = db.prepare<[string], { version: number; checksum: string }>(
    "SELECT version, checksum FROM schema_migrations WHERE name = ? ORDER BY version",
  );
  // applied_at is informational only (for site IT); SQLite's clock keeps it out of the code path.
  const record = db.prepare<[string, number, string]>(
    "INSERT INTO schema_migrations (name, version, checksum, applied_at) VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
  );
  const checksums = steps.map((sql) => createHash("sha256").update(sql, "utf8").digest("hex"));

  const run = db.transaction((): number => {
    const done = applied.all(name);
    if (done.length > steps.length) {
      throw new CodedError("internal", "the database schema is newer than this program", {
        reason: "migration_newer",
        module: name,
        applied: done.length,
        known: steps.length,
      });
    }
    for (const row of done) {
      if (checksums[row.version - 1] !== row.checksum) {
        throw new CodedError("internal", "an applied migration step was edited", {
          reason: "migration_changed",
          module: name,
          version: row.version,
        });
      }
    }
    let count = 0;
    for (let version = done.length + 1; version <= steps.length; version++) {
      db.exec(steps[version - 1] ?? "");
      record.run(name, version, checksums[version - 1] ?? "");
      count++;
    }
    return count;
  });
  // IMMEDIATE takes the write lock before reading schema_migrations, so the check and the
  // apply cannot interleave with another process doing the same.
  return run.immediate();
}
