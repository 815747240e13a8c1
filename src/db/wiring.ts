/**
 * Storage wiring for `main.ts` (DESIGN.md §1): the data directory, the database, the gateway's
 * keys and epoch, and the group commit that makes writes durable. Storage comes first at start-up:
 * nothing is accepted that cannot be stored and audited.
 */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadOrCreateKeys, type Keys } from "../crypto/keys.ts";
import type { Logger } from "../log.ts";
import { createGroupCommit, type GroupCommit } from "./group-commit.ts";
import { openDatabase, type Db } from "./open.ts";

/** The opened storage of one gateway start. */
export interface Storage {
  /** Absolute path of `data_dir` (created when missing). */
  readonly dataDir: string;
  /** `<data_dir>/labelgate.db`. */
  readonly db: Db;
  readonly keys: Keys;
  /** This start's epoch (see {@link nextEpoch}). */
  readonly epoch: number;
}

/**
 * Creates `dataDir` if needed, opens the database and the keys, and takes the next epoch, at
 * least `minEpoch`: a standby that claims devices starts above the old owner's epoch (fencing,
 * issue #11).
 */
export function openStorage(o: { dataDir: string; minEpoch: number }): Storage {
  const dataDir = resolve(o.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const db = openDatabase(join(dataDir, "labelgate.db"));
  const keys = loadOrCreateKeys(dataDir);
  const epoch = nextEpoch(db, o.minEpoch);
  return { dataDir, db, keys, epoch };
}

/**
 * Group commit (issue #7): inbox inserts and print.dispatched records share one fsync per batch.
 * `onAuditFailure` is called when records can no longer be made durable (disk full, I/O error).
 */
export function createDurableWriter(o: {
  db: Db;
  logger: Logger;
  onAuditFailure: () => void;
}): GroupCommit {
  const { logger } = o;
  return createGroupCommit(o.db, {
    // A full disk pauses printing and intake (jobs are refused as retryable) until space returns.
    onDiskFull: () => {
      logger.error("the data directory's disk is full; printing paused, jobs refused as retryable");
      o.onAuditFailure();
    },
    onRecovered: () => logger.warn("the data directory has space again; printing resumes"),
    onFailure: (e) => {
      logger.error({ err: e }, "the database cannot be made durable; printing stopped");
      o.onAuditFailure();
    },
  });
}

/** The gateway epoch: +1 on every start, persisted, carried in state documents (fencing). */
function nextEpoch(db: Db, atLeast: number): number {
  db.exec("CREATE TABLE IF NOT EXISTS gateway_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  return db.transaction(() => {
    const row = db
      .prepare<[], { value: string }>("SELECT value FROM gateway_meta WHERE key = 'epoch'")
      .get();
    const epoch = Math.max((row ? Number(row.value) : 0) + 1, atLeast);
    db.prepare("INSERT OR REPLACE INTO gateway_meta (key, value) VALUES ('epoch', ?)").run(
      String(epoch),
    );
    return epoch;
  })();
}
