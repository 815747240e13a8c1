/**
 * Full offline verification of the audit trail (issue #7, reference A.4 item 10): the hash chain
 * (from seq 1, or from the signed tombstone of an approved purge), every stored checkpoint's
 * signature and its agreement with the chain, and any checkpoint obtained elsewhere (saved from
 * MQTT by a supervisor) against the log, which is what detects truncation and rollback.
 *
 * Verdicts, in order of precedence:
 * - `altered` (exit 1): a record, link, stored checkpoint or tombstone was changed, a record is
 *   missing in the middle or at the start, records were swapped;
 * - `truncated` (exit 2): a checkpoint commits to more records than the log has, or to a different
 *   hash at its size than the log (rolled back and rewritten, or forked);
 * - `ok` (exit 0).
 */
import type { Db } from "../db/open.ts";
import { CodedError } from "../errors.ts";
import { openCheckpoint, type Checkpoint, type CheckpointProblem } from "./checkpoint.ts";
import { GENESIS_HASH } from "./encoding.ts";
import { verifyChainParallel, type VerifyFailureReason } from "./verify.ts";

export type TrailFailureReason =
  | VerifyFailureReason
  | "checkpoint_invalid"
  | "tombstone_invalid"
  | "start_missing"
  | "truncated"
  | "forked";

export interface TrailFailure {
  readonly seq: number;
  readonly reason: TrailFailureReason;
  /** For checkpoint failures: where the checkpoint came from (`stored` or the file name). */
  readonly source?: string;
  readonly problem?: CheckpointProblem;
}

export interface TrailResult {
  readonly verdict: "ok" | "altered" | "truncated";
  /** Records verified good. */
  readonly records: number;
  /** The verified range (absent for an empty log). */
  readonly range?: {
    readonly first: number;
    readonly last: number;
    readonly firstTs: string;
    readonly lastTs: string;
  };
  /** Records destroyed by approved purges (below the tombstone), 0 when none. */
  readonly purgedBelow: number;
  readonly checkpoints: { readonly stored: number; readonly external: number };
  /** The newest checkpoint that matched the log. */
  readonly latestCheckpoint?: { readonly size: number; readonly time: string };
  readonly firstFailure?: TrailFailure;
}

export interface TrailOptions {
  /** Raw Ed25519 public key of the gateway's checkpoint key. */
  readonly publicRaw: Uint8Array;
  /** `checkpointOrigin(site, gateway)`; when absent the origin of the notes is not pinned. */
  readonly origin?: string;
  /** Checkpoints obtained elsewhere: the note text and where it came from (file name). */
  readonly external?: readonly { readonly source: string; readonly note: string }[];
  /** Progress: records verified so far, and the total number of records. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Worker threads for long logs (see `verifyChainParallel`). */
  readonly threads?: number;
  /** Smallest log split across threads (tests). */
  readonly parallelMin?: number;
}

/**
 * Verifies the trail in `db` (opened read-only by the CLI). An external checkpoint that does
 * not carry a valid signature by `publicRaw` is a bad input, not a verdict on the log: it throws
 * `ExternalCheckpointError`. Other errors as `verifyAuditLog`.
 */
export async function verifyAuditTrail(db: Db, o: TrailOptions): Promise<TrailResult> {
  const hasLog = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'")
    .get();
  if (hasLog === undefined) {
    throw new CodedError("audit_unavailable", "the database has no audit log", {
      reason: "no_audit_log",
    });
  }
  const external: { source: string; cp: Checkpoint }[] = [];
  for (const e of o.external ?? []) {
    const p = openCheckpoint(e.note, o.publicRaw, o.origin);
    if (!p.ok) throw new ExternalCheckpointError(e.source, p.problem);
    external.push({ source: e.source, cp: p.checkpoint });
  }
  const hasTables =
    db
      .prepare(
        "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('audit_checkpoints', 'audit_tombstones')",
      )
      .pluck()
      .get() === 2;
  const stored = hasTables
    ? db
        .prepare<[], { size: number; hash: string; note: string }>(
          "SELECT size, hash, note FROM audit_checkpoints ORDER BY size",
        )
        .all()
    : [];
  const tomb = hasTables
    ? db
        .prepare<[], { below: number; hash: string; approval: string; note: string }>(
          "SELECT below, hash, approval, note FROM audit_tombstones ORDER BY below DESC LIMIT 1",
        )
        .get()
    : undefined;

  let firstFailure: TrailFailure | undefined;
  let altered = false;
  const failAltered = (f: TrailFailure) => {
    if (!altered) firstFailure = f;
    altered = true;
  };

  // Where the chain starts.
  let start = { seq: 1, prevHash: GENESIS_HASH };
  if (tomb !== undefined) {
    const p = openCheckpoint(tomb.note, o.publicRaw, o.origin);
    const ok =
      p.ok &&
      p.checkpoint.size === tomb.below - 1 &&
      p.checkpoint.hash === tomb.hash &&
      p.checkpoint.extensions.includes(`purged-below ${tomb.below}`) &&
      p.checkpoint.extensions.includes(`purge ${tomb.approval}`);
    if (!ok) failAltered({ seq: tomb.below, reason: "tombstone_invalid", source: "stored" });
    else start = { seq: tomb.below, prevHash: tomb.hash };
  }
  const minSeq = db.prepare("SELECT min(seq) FROM audit_log").pluck().get() as number | null;
  if (minSeq !== null && minSeq !== start.seq && !altered) {
    // The first records are gone without an approved purge (or the tombstone was removed).
    failAltered({ seq: start.seq, reason: "start_missing" });
  }

  const checkpoints: { source: string; cp: Checkpoint }[] = [];
  for (const row of stored) {
    const p = openCheckpoint(row.note, o.publicRaw, o.origin);
    if (!p.ok || p.checkpoint.size !== row.size || p.checkpoint.hash !== row.hash) {
      failAltered({
        seq: row.size,
        reason: "checkpoint_invalid",
        source: "stored",
        ...(!p.ok && { problem: p.problem }),
      });
      continue;
    }
    checkpoints.push({ source: "stored", cp: p.checkpoint });
  }
  checkpoints.push(...external);

  const total = db.prepare("SELECT count(*) FROM audit_log").pluck().get() as number;
  const chain = await verifyChainParallel(db, {
    ...(o.threads !== undefined && { threads: o.threads }),
    ...(o.parallelMin !== undefined && { parallelMin: o.parallelMin }),
    start,
    wanted: new Set(checkpoints.map((c) => c.cp.size)),
    onProgress: (done) => o.onProgress?.(done, total),
  });
  if (chain.firstBad !== undefined) failAltered(chain.firstBad);
  o.onProgress?.(chain.records, total);

  let truncated = false;
  let latest: { size: number; time: string } | undefined;
  const lastSeq = chain.last?.seq ?? start.seq - 1;
  for (const { source, cp } of checkpoints) {
    let reason: TrailFailureReason | undefined;
    if (cp.size > lastSeq) {
      // Beyond what verified: records were cut off the end (or are damaged, reported above).
      reason = chain.firstBad === undefined ? "truncated" : undefined;
    } else if (cp.size === start.seq - 1) {
      if (cp.hash !== start.prevHash) reason = "forked";
    } else if (cp.size >= start.seq) {
      if (chain.hashes.get(cp.size) !== cp.hash) reason = "forked";
    }
    // A checkpoint older than the purge boundary commits to destroyed records: nothing to check.
    if (reason !== undefined) {
      if (!truncated && !altered) firstFailure = { seq: cp.size, reason, source };
      truncated = true;
    } else if (cp.size <= lastSeq && (latest === undefined || cp.size >= latest.size)) {
      latest = { size: cp.size, time: cp.time };
    }
  }

  const verdict = altered ? "altered" : truncated ? "truncated" : "ok";
  return {
    verdict,
    records: chain.records,
    ...(chain.last !== undefined &&
      chain.firstTs !== undefined && {
        range: {
          first: start.seq,
          last: chain.last.seq,
          firstTs: chain.firstTs,
          lastTs: chain.last.ts,
        },
      }),
    purgedBelow: tomb === undefined ? 0 : tomb.below,
    checkpoints: { stored: stored.length, external: external.length },
    ...(latest !== undefined && { latestCheckpoint: latest }),
    ...(firstFailure !== undefined && { firstFailure }),
  };
}

/** An external checkpoint that does not verify under the given key. */
export class ExternalCheckpointError extends Error {
  constructor(
    readonly source: string,
    readonly problem: CheckpointProblem,
  ) {
    super(`checkpoint ${source}: ${problem.replace("_", " ")}`);
    this.name = "ExternalCheckpointError";
  }
}
