import type { Database } from "better-sqlite3";
import { CodedError } from "../errors.ts";
import type { JobEnvelope } from "./envelope.ts";

/**
 * The durable inbox (DESIGN.md §2): every accepted job, keyed by `job_id`, before the broker gets
 * its PUBACK. The envelope holds (de-identified) personal data, so it is stored sealed
 * (AES-256-GCM, Art. 14); `content_hash` is a keyed hash of the canonical envelope, so a repeated
 * `job_id` can be told apart as a duplicate or a conflict without decrypting anything.
 */
export type JobState =
  | "accepted"
  | "queued"
  | "held"
  | "dispatching"
  | "sent"
  | "done"
  | "failed"
  | "expired"
  | "in_doubt"
  | "cancelled";

export const TERMINAL_STATES: ReadonlySet<JobState> = new Set([
  "done",
  "failed",
  "expired",
  "in_doubt",
  "cancelled",
]);

/** What the producer was (or will be) told last: replayed for duplicates. */
export interface StoredOutcome {
  status: "accepted" | "ok" | "error" | "expired" | "in_doubt";
  error?: { code: string; message: string; retryable: boolean };
  data?: Record<string, unknown>;
}

export interface InboxJob {
  jobId: string;
  seq: number;
  device: string;
  kind: string;
  state: JobState;
  contentHash: string;
  receivedAt: number;
  expiresAt: number | undefined;
  replyTo: string | undefined;
  transaction: string | undefined;
  outcome: StoredOutcome | undefined;
  /**
   * The pool the job was addressed to (`pool/{pool}/job`), else undefined: a pool job may move
   * to a healthy sibling while it waits, also after a restart.
   */
  pool: string | undefined;
}

export interface Sealer {
  seal(plaintext: Uint8Array, aad: string): Uint8Array;
  open(sealed: Uint8Array, aad: string): Uint8Array;
}

/** A `jobs` row as selected by {@link JOB_COLUMNS}. */
export interface JobRow {
  job_id: string;
  seq: number;
  device: string;
  kind: string;
  state: JobState;
  content_hash: string;
  received_at: number;
  expires_at: number | null;
  reply_to: string | null;
  txn: string | null;
  outcome: string | null;
  pool: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id       TEXT NOT NULL UNIQUE,
  device       TEXT NOT NULL,
  kind         TEXT NOT NULL,
  state        TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  envelope     BLOB NOT NULL,
  received_at  INTEGER NOT NULL,
  expires_at   INTEGER,
  updated_at   INTEGER NOT NULL,
  reply_to     TEXT,
  txn          TEXT,
  outcome      TEXT,
  pool         TEXT
);
CREATE INDEX IF NOT EXISTS jobs_device_state ON jobs(device, state, seq);
CREATE TABLE IF NOT EXISTS device_dispatch (
  device      TEXT PRIMARY KEY,
  job_id      TEXT NOT NULL,
  label_count INTEGER,
  labels      INTEGER NOT NULL,
  at          INTEGER NOT NULL
);
`;

/**
 * The last label job sent to a device that counts its labels, with the device's lifetime label
 * count read just before the job's bytes left (issue #9). One row per device, replaced on every
 * dispatch: after a crash it tells whether the in-doubt job was the last thing sent, and what the
 * counter said before it.
 */
export interface DispatchMark {
  device: string;
  jobId: string;
  /** The count before the bytes left; undefined when the device was not settled or did not say. */
  labelCount: number | undefined;
  /** Labels the job prints (its copies). */
  labels: number;
  /** ms since epoch. */
  at: number;
}

/** The columns of {@link JobRow}, for readers of the `jobs` table (the console's job list too). */
export const JOB_COLUMNS =
  "job_id, seq, device, kind, state, content_hash, received_at, expires_at, reply_to, txn, outcome, pool";

/**
 * Brings a `jobs` table made by an older version up to {@link SCHEMA}: columns added since are
 * added (nullable, so existing rows read as before). `CREATE TABLE IF NOT EXISTS` leaves an
 * existing table as it was, hence this step.
 */
function migrateJobs(db: Database): void {
  const have = new Set(
    (db.prepare("PRAGMA table_info(jobs)").all() as Array<{ name: string }>).map((c) => c.name),
  );
  // The pool of a job addressed to `pool/{pool}/job` (issue #4 §4, durable pool membership).
  if (!have.has("pool")) db.exec("ALTER TABLE jobs ADD COLUMN pool TEXT");
}

export function toJob(r: JobRow): InboxJob {
  return {
    jobId: r.job_id,
    seq: r.seq,
    device: r.device,
    kind: r.kind,
    state: r.state,
    contentHash: r.content_hash,
    receivedAt: r.received_at,
    expiresAt: r.expires_at ?? undefined,
    replyTo: r.reply_to ?? undefined,
    transaction: r.txn ?? undefined,
    outcome: r.outcome === null ? undefined : (JSON.parse(r.outcome) as StoredOutcome),
    pool: r.pool ?? undefined,
  };
}

export interface Inbox {
  /**
   * Inserts the job; returns false when the `job_id` is already there (nothing written). `pool`:
   * the pool it was addressed to, when it came through `pool/{pool}/job`.
   */
  insert(
    env: JobEnvelope,
    device: string,
    contentHash: string,
    now: number,
    pool?: string,
  ): boolean;
  get(jobId: string): InboxJob | undefined;
  envelope(jobId: string): JobEnvelope;
  setState(jobId: string, state: JobState, now: number, outcome?: StoredOutcome): void;
  /**
   * Records that a job not yet dispatched (`accepted`, `queued`, `held`) now belongs to another
   * device: a held pool job moved to a healthy sibling, so a restart recovers it there. False
   * when the job is unknown or already under way (nothing changed).
   */
  setDevice(jobId: string, device: string, now: number): boolean;
  /** Jobs not yet in a terminal state, in arrival order. */
  unfinished(): InboxJob[];
  /** Records the label job just being sent to a counting device (see {@link DispatchMark}). */
  recordDispatch(mark: DispatchMark): void;
  lastDispatch(device: string): DispatchMark | undefined;
}

export function createInbox(db: Database, sealer: Sealer): Inbox {
  db.exec(SCHEMA);
  migrateJobs(db);
  const insertStmt = db.prepare(
    `INSERT OR IGNORE INTO jobs (job_id, device, kind, state, content_hash, envelope, received_at, expires_at, updated_at, reply_to, txn, outcome, pool)
     VALUES (@job_id, @device, @kind, 'accepted', @content_hash, @envelope, @now, @expires_at, @now, @reply_to, @txn, @outcome, @pool)`,
  );
  const getStmt = db.prepare<[string], JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE job_id = ?`);
  const envStmt = db.prepare<[string], { envelope: Buffer }>(
    `SELECT envelope FROM jobs WHERE job_id = ?`,
  );
  const stateStmt = db.prepare(
    `UPDATE jobs SET state = @state, updated_at = @now, outcome = coalesce(@outcome, outcome) WHERE job_id = @job_id`,
  );
  const deviceStmt = db.prepare(
    `UPDATE jobs SET device = @device, updated_at = @now
     WHERE job_id = @job_id AND state IN ('accepted','queued','held')`,
  );
  const unfinishedStmt = db.prepare<[], JobRow>(
    `SELECT ${JOB_COLUMNS} FROM jobs
     WHERE state NOT IN ('done','failed','expired','in_doubt','cancelled') ORDER BY seq`,
  );

  const markStmt = db.prepare(
    `INSERT OR REPLACE INTO device_dispatch (device, job_id, label_count, labels, at)
     VALUES (@device, @job_id, @label_count, @labels, @at)`,
  );
  const lastMarkStmt = db.prepare<
    [string],
    { job_id: string; label_count: number | null; labels: number; at: number }
  >(`SELECT job_id, label_count, labels, at FROM device_dispatch WHERE device = ?`);

  return {
    recordDispatch(m) {
      markStmt.run({
        device: m.device,
        job_id: m.jobId,
        label_count: m.labelCount ?? null,
        labels: m.labels,
        at: m.at,
      });
    },
    lastDispatch(device) {
      const r = lastMarkStmt.get(device);
      if (!r) return undefined;
      return {
        device,
        jobId: r.job_id,
        labelCount: r.label_count ?? undefined,
        labels: r.labels,
        at: r.at,
      };
    },
    insert(env, device, contentHash, now, pool) {
      const sealed = sealer.seal(
        new TextEncoder().encode(JSON.stringify(env)),
        `job:${env.job_id}`,
      );
      const info = insertStmt.run({
        job_id: env.job_id,
        device,
        kind: env.kind,
        content_hash: contentHash,
        envelope: Buffer.from(sealed),
        now,
        expires_at: env.expires_at === undefined ? null : Date.parse(env.expires_at),
        reply_to: env.reply_to ?? null,
        txn: env.transaction ?? null,
        outcome: JSON.stringify({ status: "accepted" } satisfies StoredOutcome),
        pool: pool ?? null,
      });
      return info.changes === 1;
    },
    get(jobId) {
      const r = getStmt.get(jobId);
      return r ? toJob(r) : undefined;
    },
    envelope(jobId) {
      const r = envStmt.get(jobId);
      if (!r) throw new Error(`job ${jobId} is not in the inbox`);
      // Emptied by the payload retention purge (src/jobs/payload-purge.ts) after the job finished.
      if (r.envelope.length === 0)
        throw new CodedError(
          "invalid_request",
          "the job's payload was purged after its retention window",
          {
            reason: "payload_purged",
          },
        );
      const plain = sealer.open(new Uint8Array(r.envelope), `job:${jobId}`);
      return JSON.parse(new TextDecoder().decode(plain)) as JobEnvelope;
    },
    setState(jobId, state, now, outcome) {
      stateStmt.run({
        job_id: jobId,
        state,
        now,
        outcome: outcome === undefined ? null : JSON.stringify(outcome),
      });
    },
    setDevice(jobId, device, now) {
      return deviceStmt.run({ job_id: jobId, device, now }).changes === 1;
    },
    unfinished() {
      return unfinishedStmt.all().map(toJob);
    },
  };
}

/** Canonical JSON (sorted keys) so that key order does not make a retry look like a conflict. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
