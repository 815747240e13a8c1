/**
 * Group commit for the gateway database (DESIGN.md §5, reference A.4 item 5): callers hand small
 * write functions to {@link GroupCommit.commit}; all functions queued while the previous batch was
 * being made durable run in ONE transaction, and ONE `fdatasync` of the WAL makes the whole batch
 * durable. Each caller's promise resolves only after its batch is on disk, so "audit before print"
 * and "inbox before PUBACK" hold at a fraction of the per-record-fsync cost.
 *
 * How the fsync leaves the event loop. better-sqlite3 is synchronous: with `synchronous = FULL`
 * the commit's fsync would block every device and the MQTT socket for its duration. A batch is
 * therefore committed with `synchronous = NORMAL` (SQLite writes the WAL frames but does not sync
 * them) and then the WAL file is `fdatasync`ed on libuv's thread pool. Every frame written before
 * the sync started is durable when it completes; SQLite itself syncs the WAL before any checkpoint
 * copies it into the database file, so a checkpoint never outruns our sync. The connection goes
 * back to `synchronous = FULL` right after the batch, so the other modules' direct writes keep
 * their own per-commit durability.
 *
 * One batch is in flight at a time: while its fsync runs, new functions queue up and form the next
 * batch, so the batch size adapts to the load (one job alone waits one fsync; a burst shares them).
 *
 * Failure is final (the fsyncgate lesson: after a failed fsync the kernel may have dropped the dirty
 * pages, and a retry that succeeds proves nothing). The writer becomes `broken`, every waiting and
 * later caller is rejected with CodedError `audit_unavailable`, and `onFailure` runs once so the
 * gateway stops printing and raises its alert.
 */
import { closeSync, fdatasync, fstatSync, openSync, statSync } from "node:fs";
import { CodedError } from "../errors.ts";
import type { Db } from "./open.ts";

export interface GroupCommitOptions {
  /** Largest number of functions in one transaction. Default 1024. */
  readonly maxBatch?: number;
  /** Called once when the writer breaks (a commit or an fsync failed). */
  readonly onFailure?: (e: CodedError) => void;
  /**
   * Called when a batch was refused because the disk is full (SQLITE_FULL / ENOSPC), once per
   * episode; `onRecovered` runs when a batch commits again. Unlike a failed fsync, a full disk is
   * not final: nothing was written, so nothing can have been lost, and writing resumes when
   * space returns.
   */
  readonly onDiskFull?: (e: CodedError) => void;
  readonly onRecovered?: () => void;
  /**
   * Makes the committed WAL durable. Default: `fdatasync` of `<db>-wal` on the thread pool.
   * Injected by tests to simulate a failing disk.
   */
  readonly sync?: () => Promise<void>;
}

export interface GroupCommitStats {
  /** Transactions run (batches). */
  readonly batches: number;
  /** Functions committed (successfully or with their own error). */
  readonly commits: number;
  /** Durability syncs completed. */
  readonly syncs: number;
}

export interface GroupCommit {
  /**
   * Queues `fn` (synchronous database work, e.g. an inbox insert and its audit records). It runs
   * inside a savepoint of the next batch's IMMEDIATE transaction: if it throws, only its own
   * writes roll back and its promise rejects with that error; the others commit. The promise
   * resolves with `fn`'s result once the batch is durable. Rejects with CodedError
   * `audit_unavailable` (retryable) when the batch could not be committed or synced, or the
   * writer is broken or closed.
   */
  commit<T>(fn: () => T): Promise<T>;
  /** Resolves when everything queued so far is durable (rejects like `commit`). */
  flush(): Promise<void>;
  /** Runs after every durable batch, e.g. to count records for the next checkpoint. */
  onDurable(listener: () => void): void;
  readonly broken: boolean;
  readonly stats: GroupCommitStats;
  /** Drains the queue, then refuses new work. */
  close(): Promise<void>;
}

interface Item {
  readonly fn: () => unknown;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: unknown) => void;
}

/** Default {@link GroupCommitOptions.maxBatch}. */
export const DEFAULT_MAX_BATCH = 1024;

export function createGroupCommit(db: Db, options: GroupCommitOptions = {}): GroupCommit {
  const maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
  const sync = options.sync ?? (db.memory ? async () => {} : walSyncer(db.name));
  const listeners: Array<() => void> = [];
  let queue: Item[] = [];
  let scheduled = false;
  let inFlight = false;
  let broken: CodedError | undefined;
  let closed = false;
  let batches = 0;
  let commits = 0;
  let syncs = 0;
  const idleWaiters: Array<() => void> = [];

  // A nested transaction is a savepoint: a throwing fn undoes only its own writes. One wrapper
  // for all items (better-sqlite3 builds a new one per `db.transaction` call).
  const inSavepoint = db.transaction((fn: () => unknown): unknown => fn());
  const batchTx = db.transaction((items: readonly Item[]) => {
    const results: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    for (const item of items) {
      try {
        results.push({ ok: true, value: inSavepoint(item.fn) });
      } catch (error) {
        results.push({ ok: false, error });
      }
    }
    return results;
  });

  let diskFull = false;

  /** SQLite reports a full disk as SQLITE_FULL; the OS as ENOSPC. */
  function refuseForDiskFull(e: unknown): CodedError {
    const err = new CodedError(
      "audit_unavailable",
      "the disk of the data directory is full; nothing was written",
      { reason: "disk_full", ...errnoOf(e) },
      e,
    );
    if (!diskFull) {
      diskFull = true;
      options.onDiskFull?.(err);
    }
    return err;
  }

  function fail(e: unknown): CodedError {
    const err =
      e instanceof CodedError && e.code === "audit_unavailable"
        ? e
        : new CodedError(
            "audit_unavailable",
            "the database cannot be made durable",
            { reason: "group_commit_failed", ...errnoOf(e) },
            e,
          );
    if (broken === undefined) {
      broken = err;
      for (const item of queue) item.reject(err);
      queue = [];
      options.onFailure?.(err);
    }
    return err;
  }

  function schedule(): void {
    if (scheduled || inFlight || queue.length === 0) return;
    scheduled = true;
    // setImmediate, not a timer: everything submitted in this turn of the event loop (a burst of
    // MQTT messages, several devices) joins the batch, and a lone job does not wait for a timer.
    setImmediate(runBatch);
  }

  function runBatch(): void {
    scheduled = false;
    if (queue.length === 0 || broken !== undefined) return settleIdle();
    const items = queue.slice(0, maxBatch);
    queue = queue.slice(items.length);
    inFlight = true;
    let results;
    try {
      db.pragma("synchronous = NORMAL");
      try {
        results = batchTx.immediate(items);
      } finally {
        db.pragma("synchronous = FULL");
      }
    } catch (e) {
      inFlight = false;
      // The transaction rolled back: with a full disk nothing of this batch was written.
      const err = isDiskFull(e) ? refuseForDiskFull(e) : fail(e);
      for (const item of items) item.reject(err);
      if (queue.length > 0) schedule();
      return settleIdle();
    }
    batches++;
    commits += items.length;
    sync().then(
      () => {
        syncs++;
        inFlight = false;
        let anyOk = false;
        results.forEach((r, i) => {
          const item = items[i];
          if (item === undefined) return;
          if (r.ok) {
            anyOk = true;
            item.resolve(r.value);
          } else item.reject(isDiskFull(r.error) ? refuseForDiskFull(r.error) : r.error);
        });
        if (anyOk && diskFull) {
          diskFull = false;
          options.onRecovered?.();
        }
        for (const l of listeners) l();
        if (queue.length > 0) schedule();
        else settleIdle();
      },
      (e: unknown) => {
        inFlight = false;
        const err = fail(e);
        for (const item of items) item.reject(err);
        settleIdle();
      },
    );
  }

  function settleIdle(): void {
    if (inFlight || scheduled || queue.length > 0) return;
    for (const w of idleWaiters.splice(0)) w();
  }

  function commit<T>(fn: () => T): Promise<T> {
    if (broken !== undefined) return Promise.reject(broken);
    if (closed) {
      return Promise.reject(
        new CodedError("audit_unavailable", "the database writer is closed", { reason: "closed" }),
      );
    }
    return new Promise<T>((resolve, reject) => {
      queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      schedule();
    });
  }

  return {
    commit,
    flush: () => commit(() => undefined),
    onDurable(listener) {
      listeners.push(listener);
    },
    get broken() {
      return broken !== undefined;
    },
    get stats() {
      return { batches, commits, syncs };
    },
    async close() {
      if (!closed && broken === undefined) await commit(() => undefined).catch(() => undefined);
      closed = true;
      await new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settleIdle();
      });
    },
  };
}

/**
 * `fdatasync` of the database's WAL file on the thread pool. The descriptor is opened lazily and
 * reopened if the WAL file was replaced (it is deleted when the last connection closes, so another
 * process's connection coming and going can recreate it).
 */
function walSyncer(dbPath: string): () => Promise<void> {
  const walPath = `${dbPath}-wal`;
  let fd: number | undefined;
  return () =>
    new Promise<void>((resolve, reject) => {
      try {
        const ino = statSync(walPath).ino;
        if (fd !== undefined && fstatSync(fd).ino !== ino) {
          closeSync(fd);
          fd = undefined;
        }
        fd ??= openSync(walPath, "r");
      } catch (e) {
        reject(e);
        return;
      }
      fdatasync(fd, (e) => (e ? reject(e) : resolve()));
    });
}

function errnoOf(e: unknown): { errno?: string } {
  return typeof e === "object" && e !== null && "code" in e && typeof e.code === "string"
    ? { errno: e.code }
    : {};
}

/**
 * A full disk under the data directory: SQLite's SQLITE_FULL or the OS's ENOSPC from a direct
 * write, or a batch the group commit refused for it (`audit_unavailable`, reason `disk_full`).
 * Nothing was written in either case, so the work may be tried again once space returns.
 */
export function isDiskFull(e: unknown): boolean {
  if (e instanceof CodedError)
    return e.code === "audit_unavailable" && e.details["reason"] === "disk_full";
  const code = errnoOf(e).errno;
  return code === "SQLITE_FULL" || code === "ENOSPC";
}
