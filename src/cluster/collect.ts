import { openCheckpoint, parseVerifierKey } from "../audit/checkpoint.ts";
import { migrate, type Db } from "../db/open.ts";

/** What `labelgate audit collect` concluded about one published checkpoint. */
export type CollectVerdict =
  /** Signed, and consistent with what was stored before (or the first one of its gateway). */
  | "ok"
  /** Smaller than a checkpoint the same gateway published before: its log was cut back. */
  | "truncated"
  /** Same size as a stored checkpoint with another hash: the log was rewritten. */
  | "forked"
  /** Not signed by the verifier key given for its origin, or not a checkpoint. */
  | "bad_signature"
  | "unknown_key"
  | "malformed";

export interface CollectResult {
  origin: string;
  verdict: CollectVerdict;
  size?: number;
  /** The largest size stored before, when the verdict is truncated or forked. */
  stored?: number;
}

const MIGRATIONS = [
  `CREATE TABLE collected_checkpoints (
     origin TEXT NOT NULL,
     size   INTEGER NOT NULL,
     hash   TEXT NOT NULL,
     time   TEXT NOT NULL,
     note   TEXT NOT NULL,
     PRIMARY KEY (origin, size, hash)
   ) STRICT;`,
];

/**
 * The supervisor's store of every gateway's audit checkpoints (issue #11): a checkpoint is
 * accepted when signed by the gateway's verifier key, stored, and cross-checked against the
 * checkpoints the same gateway published before. A log truncated or rewritten behind a published
 * checkpoint shows up here, off the gateway's box.
 */
export function createCheckpointCollector(db: Db, verifierKeys: string[]) {
  migrate(db, "collected_checkpoints", MIGRATIONS);
  const keys = new Map<string, Uint8Array>();
  for (const k of verifierKeys) {
    const parsed = parseVerifierKey(k);
    if (parsed === undefined)
      throw new Error("not a verifier key (labelgate audit pubkey prints one)");
    keys.set(parsed.name, parsed.publicRaw);
  }
  const maxSize = db.prepare<[string], { size: number | null }>(
    "SELECT max(size) AS size FROM collected_checkpoints WHERE origin = ?",
  );
  const sameSize = db.prepare<[string, number], { hash: string }>(
    "SELECT hash FROM collected_checkpoints WHERE origin = ? AND size = ?",
  );
  const insert = db.prepare(
    "INSERT OR IGNORE INTO collected_checkpoints (origin, size, hash, time, note) VALUES (?, ?, ?, ?, ?)",
  );
  return {
    observe(note: string): CollectResult {
      const origin = note.slice(0, Math.max(0, note.indexOf("\n")));
      const key = keys.get(origin);
      if (key === undefined) return { origin, verdict: "unknown_key" };
      const opened = openCheckpoint(note, key, origin);
      if (!opened.ok)
        return { origin, verdict: opened.problem === "malformed" ? "malformed" : "bad_signature" };
      const cp = opened.checkpoint;
      const stored = maxSize.get(origin)?.size ?? null;
      const same = sameSize.all(origin, cp.size);
      let verdict: CollectVerdict = "ok";
      if (same.some((r) => r.hash !== cp.hash)) verdict = "forked";
      else if (stored !== null && cp.size < stored) verdict = "truncated";
      // Every signed checkpoint is kept, the bad ones too: they are the evidence.
      insert.run(origin, cp.size, cp.hash, cp.time, note);
      return {
        origin,
        verdict,
        size: cp.size,
        ...(verdict !== "ok" && stored !== null && { stored }),
      };
    },
  };
}
