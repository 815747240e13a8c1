/**
 * The inbox's `pool` column (issue #4 §4, durable pool membership): written at intake for a job
 * addressed to `pool/{pool}/job`, read back by recovery; a database made before the column
 * existed gets it added on open, its rows reading as no pool.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadOrCreateKeys } from "../../../src/crypto/keys.ts";
import { createSealer } from "../../../src/crypto/wiring.ts";
import { openDatabase } from "../../../src/db/open.ts";
import type { JobEnvelope } from "../../../src/jobs/envelope.ts";
import { createInbox } from "../../../src/jobs/inbox.ts";
import { exampleJob } from "../../helpers/jobs.ts";

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const job = () => exampleJob({ replyTo: "labelgate/demo/reply/ws-3" }) as unknown as JobEnvelope;

describe("inbox pool column", () => {
  it("stores the pool of a pool job and none for a device job", () => {
    dir = mkdtempSync(join(tmpdir(), "labelgate-inbox-pool-"));
    const keys = loadOrCreateKeys(dir);
    const db = openDatabase(join(dir, "labelgate.db"));
    const inbox = createInbox(db, createSealer(keys));
    const viaPool = job();
    const direct = job();
    expect(inbox.insert(viaPool, "zpl-1", "h1", 1, "hall-2")).toBe(true);
    expect(inbox.insert(direct, "zpl-1", "h2", 2)).toBe(true);
    expect(inbox.get(viaPool.job_id)?.pool).toBe("hall-2");
    expect(inbox.get(direct.job_id)?.pool).toBeUndefined();
    // A move keeps the pool: the job may move again after a restart.
    expect(inbox.setDevice(viaPool.job_id, "zpl-2", 3)).toBe(true);
    expect(inbox.unfinished().map((j) => [j.jobId, j.device, j.pool])).toEqual([
      [viaPool.job_id, "zpl-2", "hall-2"],
      [direct.job_id, "zpl-1", undefined],
    ]);
    db.close();
  });

  it("adds the column to a jobs table made before it existed; old rows have no pool", () => {
    dir = mkdtempSync(join(tmpdir(), "labelgate-inbox-mig-"));
    const keys = loadOrCreateKeys(dir);
    const path = join(dir, "labelgate.db");
    const old = openDatabase(path);
    // The table as the previous version created it (no `pool`), with one unfinished job.
    old.exec(`CREATE TABLE jobs (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT NOT NULL UNIQUE, device TEXT NOT NULL,
      kind TEXT NOT NULL, state TEXT NOT NULL, content_hash TEXT NOT NULL, envelope BLOB NOT NULL,
      received_at INTEGER NOT NULL, expires_at INTEGER, updated_at INTEGER NOT NULL,
      reply_to TEXT, txn TEXT, outcome TEXT)`);
    old
      .prepare(
        `INSERT INTO jobs (job_id, device, kind, state, content_hash, envelope, received_at, updated_at)
         VALUES ('J-OLD-1', 'zpl-1', 'label.print', 'held', 'h0', x'00', 1, 1)`,
      )
      .run();
    old.close();

    const db = openDatabase(path);
    const inbox = createInbox(db, createSealer(keys));
    const cols = (db.prepare("PRAGMA table_info(jobs)").all() as Array<{ name: string }>).map(
      (c) => c.name,
    );
    expect(cols).toContain("pool");
    expect(inbox.get("J-OLD-1")).toMatchObject({ state: "held", pool: undefined });
    const viaPool = job();
    expect(inbox.insert(viaPool, "zpl-1", "h1", 2, "hall-2")).toBe(true);
    expect(inbox.unfinished().map((j) => j.pool)).toEqual([undefined, "hall-2"]);
    db.close();
    // Opening again finds the column there and changes nothing.
    const again = openDatabase(path);
    expect(createInbox(again, createSealer(keys)).get(viaPool.job_id)?.pool).toBe("hall-2");
    again.close();
  });
});
