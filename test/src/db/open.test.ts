import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_BUSY_TIMEOUT_MS, migrate, openDatabase, type Db } from "../../../src/db/open.ts";
import { CodedError } from "../../../src/errors.ts";

let dir: string;
const open: Db[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "labelgate-db-"));
});
afterEach(() => {
  for (const db of open.splice(0)) if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

function opened(path: string, options?: Parameters<typeof openDatabase>[1]): Db {
  const db = openDatabase(path, options);
  open.push(db);
  return db;
}

function refusal(fn: () => unknown): CodedError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CodedError) return e;
    throw e;
  }
  throw new Error("expected a CodedError");
}

describe("openDatabase", () => {
  it("creates missing parent directories and sets WAL, synchronous FULL, foreign keys, busy timeout", () => {
    const path = join(dir, "a", "b", "labelgate.db");
    const db = opened(path);
    expect(existsSync(path)).toBe(true);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("synchronous", { simple: true })).toBe(2); // FULL
    expect(db.pragma("foreign_keys", { simple: true })).toBe(1);
    expect(db.pragma("busy_timeout", { simple: true })).toBe(DEFAULT_BUSY_TIMEOUT_MS);
    expect(
      opened(join(dir, "c.db"), { busyTimeoutMs: 250 }).pragma("busy_timeout", { simple: true }),
    ).toBe(250);
  });

  it("enforces foreign keys", () => {
    const db = opened(join(dir, "fk.db"));
    db.exec("CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (p INTEGER REFERENCES p(id))");
    expect(() => db.prepare("INSERT INTO c (p) VALUES (1)").run()).toThrow(/FOREIGN KEY/);
  });

  it("opens read-only without creating or changing anything", () => {
    const path = join(dir, "ro.db");
    opened(path).exec("CREATE TABLE t (v TEXT)");
    const ro = opened(path, { readonly: true });
    expect(ro.readonly).toBe(true);
    expect(() => ro.exec("INSERT INTO t VALUES ('x')")).toThrow(/readonly/);
    expect(
      refusal(() => openDatabase(join(dir, "missing", "x.db"), { readonly: true })),
    ).toMatchObject({
      code: "internal",
      details: { reason: "open_failed" },
    });
    expect(existsSync(join(dir, "missing"))).toBe(false);
  });

  it("reports a path it cannot create as a coded error", () => {
    const path = join(dir, "file.db");
    opened(path);
    // A directory cannot be created under a regular file.
    expect(refusal(() => openDatabase(join(path, "sub", "x.db")))).toMatchObject({
      code: "internal",
      details: { reason: "open_failed" },
    });
  });
});

describe("migrate", () => {
  const V1 = "CREATE TABLE jobs_t (id TEXT PRIMARY KEY) STRICT;";
  const V2 =
    "ALTER TABLE jobs_t ADD COLUMN state TEXT; CREATE INDEX jobs_t_state ON jobs_t(state);";

  it("applies each step once, per module, in order", () => {
    const path = join(dir, "m.db");
    const db = opened(path);
    expect(migrate(db, "jobs", [V1])).toBe(1);
    expect(migrate(db, "jobs", [V1])).toBe(0);
    expect(migrate(db, "jobs", [V1, V2])).toBe(1);
    expect(migrate(db, "audit_t", ["CREATE TABLE audit_t (seq INTEGER PRIMARY KEY);"])).toBe(1);
    db.prepare("INSERT INTO jobs_t (id, state) VALUES ('j1', 'queued')").run();
    const rows = db
      .prepare(
        "SELECT name, version, checksum, applied_at FROM schema_migrations ORDER BY name, version",
      )
      .all();
    expect(rows).toMatchObject([
      { name: "audit_t", version: 1 },
      { name: "jobs", version: 1 },
      { name: "jobs", version: 2 },
    ]);
    for (const r of rows as { checksum: string; applied_at: string }[]) {
      expect(r.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(r.applied_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    // A restart (new connection) applies nothing.
    db.close();
    expect(migrate(opened(path), "jobs", [V1, V2])).toBe(0);
  });

  it("applies nothing of a batch when one step fails", () => {
    const db = opened(join(dir, "fail.db"));
    expect(() => migrate(db, "jobs", [V1, "CREATE TABLE oops (;"])).toThrow();
    expect(
      db.prepare("SELECT name FROM sqlite_master WHERE name = 'jobs_t'").get(),
    ).toBeUndefined();
    expect(migrate(db, "jobs", [V1])).toBe(1);
  });

  it("refuses an applied step whose text changed", () => {
    const db = opened(join(dir, "changed.db"));
    migrate(db, "jobs", [V1]);
    expect(refusal(() => migrate(db, "jobs", [V1.replace("id TEXT", "id  TEXT")]))).toMatchObject({
      code: "internal",
      details: { reason: "migration_changed", module: "jobs", version: 1 },
    });
  });

  it("refuses a database migrated by a newer program", () => {
    const db = opened(join(dir, "newer.db"));
    migrate(db, "jobs", [V1, V2]);
    expect(refusal(() => migrate(db, "jobs", [V1]))).toMatchObject({
      code: "internal",
      details: { reason: "migration_newer", module: "jobs", applied: 2, known: 1 },
    });
  });
});
