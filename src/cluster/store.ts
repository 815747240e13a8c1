import { migrate, type Db } from "../db/open.ts";

/** A pool job's claim as the gateways see it (src/cluster/pool-claims.ts). */
export interface PoolClaimRow {
  jobId: string;
  pool: string;
  /** The gateway whose claim counts. */
  gateway: string;
  /** The device topic retries are forwarded to (a device that gateway owns or handed it to). */
  device: string;
  /** True once the winner's own `won` record was seen (else: the first bid seen). */
  won: boolean;
  /** When this gateway first saw the claim (ms). */
  seenAt: number;
}

/** One job of the owner a standby watches (src/cluster/ledger.ts). */
export interface StandbyJobRow {
  jobId: string;
  device: string;
  state: string;
  seenAt: number;
}

const MIGRATIONS = [
  `CREATE TABLE cluster_pool_claims (
     job_id  TEXT PRIMARY KEY,
     pool    TEXT NOT NULL,
     gateway TEXT NOT NULL,
     device  TEXT NOT NULL,
     won     INTEGER NOT NULL,
     seen_at INTEGER NOT NULL
   ) STRICT;`,
  `CREATE TABLE cluster_standby_jobs (
     job_id  TEXT PRIMARY KEY,
     device  TEXT NOT NULL,
     state   TEXT NOT NULL,
     seen_at INTEGER NOT NULL
   ) STRICT;`,
  "CREATE INDEX cluster_pool_claims_seen ON cluster_pool_claims (seen_at);",
  "CREATE INDEX cluster_standby_jobs_seen ON cluster_standby_jobs (seen_at);",
];

/**
 * The cluster's durable records in the gateway database (issue #11): pool claims seen and the
 * standby's record of the watched owner's jobs. Writes go through the group commit (`commit`),
 * so they share the gateway's batched fsync; a caller that must not acknowledge before the row
 * is on disk awaits the returned promise.
 */
export interface ClusterStore {
  loadClaims(since: number): PoolClaimRow[];
  saveClaim(row: PoolClaimRow): Promise<void>;
  loadStandbyJobs(since: number): StandbyJobRow[];
  saveStandbyJob(row: StandbyJobRow): Promise<void>;
  /** Deletes rows first seen before `before` (ms). */
  prune(before: number): Promise<void>;
}

export function createClusterStore(db: Db, commit: <T>(fn: () => T) => Promise<T>): ClusterStore {
  migrate(db, "cluster", MIGRATIONS);
  const claims = db.prepare<[number], Record<string, unknown>>(
    "SELECT job_id, pool, gateway, device, won, seen_at FROM cluster_pool_claims WHERE seen_at >= ? ORDER BY seen_at",
  );
  const upsertClaim = db.prepare(
    `INSERT INTO cluster_pool_claims (job_id, pool, gateway, device, won, seen_at)
     VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (job_id) DO UPDATE SET gateway = excluded.gateway, device = excluded.device,
       won = excluded.won`,
  );
  const jobs = db.prepare<[number], Record<string, unknown>>(
    "SELECT job_id, device, state, seen_at FROM cluster_standby_jobs WHERE seen_at >= ? ORDER BY seen_at",
  );
  const upsertJob = db.prepare(
    `INSERT INTO cluster_standby_jobs (job_id, device, state, seen_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (job_id) DO UPDATE SET device = excluded.device, state = excluded.state`,
  );
  const pruneClaims = db.prepare("DELETE FROM cluster_pool_claims WHERE seen_at < ?");
  const pruneJobs = db.prepare("DELETE FROM cluster_standby_jobs WHERE seen_at < ?");
  return {
    loadClaims: (since) =>
      claims.all(since).map((r) => ({
        jobId: String(r["job_id"]),
        pool: String(r["pool"]),
        gateway: String(r["gateway"]),
        device: String(r["device"]),
        won: r["won"] === 1,
        seenAt: Number(r["seen_at"]),
      })),
    saveClaim: (r) =>
      commit(() => {
        upsertClaim.run(r.jobId, r.pool, r.gateway, r.device, r.won ? 1 : 0, r.seenAt);
      }),
    loadStandbyJobs: (since) =>
      jobs.all(since).map((r) => ({
        jobId: String(r["job_id"]),
        device: String(r["device"]),
        state: String(r["state"]),
        seenAt: Number(r["seen_at"]),
      })),
    saveStandbyJob: (r) =>
      commit(() => {
        upsertJob.run(r.jobId, r.device, r.state, r.seenAt);
      }),
    prune: (before) =>
      commit(() => {
        pruneClaims.run(before);
        pruneJobs.run(before);
      }),
  };
}
