import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createGroupCommit } from "../../../src/db/group-commit.ts";
import { openDatabase, type Db } from "../../../src/db/open.ts";
import { isCodedError } from "../../../src/errors.ts";

let dir: string;
let path: string;
let db: Db;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "labelgate-gc-"));
  path = join(dir, "labelgate.db");
  db = openDatabase(path);
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)");
});
afterEach(() => {
  if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

const insert = (v: string) => () =>
  db.prepare("INSERT INTO t (v) VALUES (?)").run(v).lastInsertRowid;

describe("group commit", () => {
  it("runs everything submitted in one turn of the event loop in one transaction and one sync", async () => {
    const gc = createGroupCommit(db);
    const ids = await Promise.all(
      Array.from({ length: 200 }, (_, i) => gc.commit(insert(`v${i}`))),
    );
    expect(ids).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(gc.stats).toEqual({ batches: 1, commits: 200, syncs: 1 });
    // Visible to another connection (another process) once resolved.
    const other = new Database(path, { readonly: true });
    expect(other.prepare("SELECT count(*) AS n FROM t").get()).toEqual({ n: 200 });
    other.close();
    await gc.close();
  });

  it("forms the next batch from what arrived while the previous one was syncing", async () => {
    let release: (() => void) | undefined;
    const gc = createGroupCommit(db, {
      sync: () =>
        new Promise<void>((r) => {
          release = r;
        }),
    });
    const first = gc.commit(insert("a"));
    await new Promise((r) => setImmediate(r)); // the first batch is now syncing
    const later = [gc.commit(insert("b")), gc.commit(insert("c")), gc.commit(insert("d"))];
    await new Promise((r) => setImmediate(r));
    expect(gc.stats.batches).toBe(1); // b, c, d wait for the sync in flight
    release?.();
    await first;
    await new Promise((r) => setImmediate(r));
    release?.();
    await Promise.all(later);
    expect(gc.stats).toEqual({ batches: 2, commits: 4, syncs: 2 });
  });

  it("rolls back only the function that threw; the others commit", async () => {
    const gc = createGroupCommit(db);
    const results = await Promise.allSettled([
      gc.commit(insert("x")),
      gc.commit(() => {
        insert("y")();
        insert("x")(); // UNIQUE violation: y must roll back with it
      }),
      gc.commit(insert("z")),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(db.prepare("SELECT v FROM t ORDER BY id").pluck().all()).toEqual(["x", "z"]);
    expect(gc.broken).toBe(false);
  });

  it("does not resolve before the sync, and breaks for good when the sync fails", async () => {
    const failures: unknown[] = [];
    const gc = createGroupCommit(db, {
      sync: () => Promise.reject(Object.assign(new Error("EIO"), { code: "EIO" })),
      onFailure: (e) => failures.push(e),
    });
    const err = await gc.commit(insert("a")).catch((e: unknown) => e);
    expect(isCodedError(err) && err.code).toBe("audit_unavailable");
    expect(isCodedError(err) && err.details["errno"]).toBe("EIO");
    expect(gc.broken).toBe(true);
    const again = await gc.commit(insert("b")).catch((e: unknown) => e);
    expect(isCodedError(again) && again.code).toBe("audit_unavailable");
    expect(failures).toHaveLength(1);
  });

  it("leaves the connection at synchronous = FULL for direct writers", async () => {
    const gc = createGroupCommit(db);
    await gc.commit(insert("a"));
    expect(db.pragma("synchronous", { simple: true })).toBe(2); // FULL
  });

  it("refuses work after close", async () => {
    const gc = createGroupCommit(db);
    await gc.commit(insert("a"));
    await gc.close();
    const err = await gc.commit(insert("b")).catch((e: unknown) => e);
    expect(isCodedError(err) && err.code).toBe("audit_unavailable");
  });
});
