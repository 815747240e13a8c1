import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  checkpointOrigin,
  openCheckpoint,
  parseVerifierKey,
  signCheckpoint,
  verifierKey,
} from "../../../src/audit/checkpoint.ts";
import { createCheckpointer } from "../../../src/audit/checkpointer.ts";
import { ExternalCheckpointError, verifyAuditTrail } from "../../../src/audit/trail.ts";
import { loadOrCreateSigningKey, type SigningKey } from "../../../src/crypto/keys.ts";
import { createGroupCommit } from "../../../src/db/group-commit.ts";
import { openDatabase } from "../../../src/db/open.ts";
import { silentLogger } from "../../../src/log.ts";
import { makeFixture, sampleInput, steppingClock, T0, tamper, type Fixture } from "./helpers.ts";

const ORIGIN = checkpointOrigin("demo", "gw1");
let f: Fixture;
let key: SigningKey;
afterEach(() => f.cleanup());

/** A log of `n` records with a signed, stored checkpoint after every `every` records. */
async function logWithCheckpoints(n: number, every: number): Promise<string[]> {
  (f as Fixture | undefined)?.cleanup();
  f = makeFixture();
  key = loadOrCreateSigningKey(join(f.dir, "data"));
  const writer = createGroupCommit(f.db);
  const published: string[] = [];
  const cp = createCheckpointer({
    db: f.db,
    commit: writer.commit,
    key,
    origin: ORIGIN,
    clock: steppingClock(T0, 1000),
    publish: (note) => published.push(note),
    logger: silentLogger(),
  });
  for (let b = 0; b < n; b += every) {
    f.log.appendBatch(Array.from({ length: Math.min(every, n - b) }, (_, j) => sampleInput(b + j)));
    await cp.checkpointNow();
  }
  await writer.close();
  f.db.close();
  return published;
}

async function verify(external: string[] = [], parallel = false) {
  const db = openDatabase(f.dbPath, { readonly: true });
  try {
    return await verifyAuditTrail(db, {
      ...(parallel && { threads: 3, parallelMin: 1 }),
      publicRaw: key.publicRaw,
      origin: ORIGIN,
      external: external.map((note, i) => ({ source: `cp-${i}`, note })),
    });
  } finally {
    db.close();
  }
}

describe("signed checkpoints", () => {
  it("are C2SP signed notes that verify under the printed verifier key and fail when edited", async () => {
    const [note] = await logWithCheckpoints(10, 10);
    expect(note).toMatch(
      /^labelgate\/demo\/gw1\n10\n[A-Za-z0-9+/]{43}=\ntime 2026-11-30T08:00:00\.000Z\n\n\u2014 labelgate\/demo\/gw1 [A-Za-z0-9+/=]{92}\n$/,
    );
    const vkey = parseVerifierKey(verifierKey(ORIGIN, key.publicRaw));
    expect(vkey?.name).toBe(ORIGIN);
    const opened = openCheckpoint(note ?? "", vkey?.publicRaw ?? new Uint8Array(), ORIGIN);
    expect(opened.ok && opened.checkpoint.size).toBe(10);
    expect(openCheckpoint((note ?? "").replace("\n10\n", "\n11\n"), key.publicRaw)).toEqual({
      ok: false,
      problem: "bad_signature",
    });
    const other = loadOrCreateSigningKey(join(f.dir, "other"));
    expect(openCheckpoint(note ?? "", other.publicRaw)).toEqual({
      ok: false,
      problem: "unknown_key",
    });
  });

  it("are taken after maxRecords durable records and on stop", async () => {
    f = makeFixture();
    key = loadOrCreateSigningKey(join(f.dir, "data"));
    const writer = createGroupCommit(f.db);
    const sizes: number[] = [];
    const cp = createCheckpointer({
      db: f.db,
      commit: writer.commit,
      key,
      origin: ORIGIN,
      clock: steppingClock(),
      publish: (note) => sizes.push(Number(note.split("\n")[1])),
      record: () => f.log.append({ action: "checkpoint.published", outcome: "ok" }),
      logger: silentLogger(),
      maxRecords: 100,
    });
    writer.onDurable(cp.recordsAdded);
    await writer.commit(() =>
      f.log.appendBatch(Array.from({ length: 150 }, (_, i) => sampleInput(i))),
    );
    await writer.flush(); // the checkpoint it triggered is in this batch
    await cp.stop();
    // Each checkpoint covers its own checkpoint.published record.
    expect(sizes).toEqual([151, 152]);
    expect(f.log.search({ action: "checkpoint.published", limit: 5 }).map((r) => r.seq)).toEqual([
      152, 151,
    ]);
    await writer.close();
  });
});

describe("verifyAuditTrail", () => {
  it("is ok on an untouched log and reports the verified range and latest checkpoint", async () => {
    await logWithCheckpoints(300, 100);
    const r = await verify();
    expect(r.verdict).toBe("ok");
    expect(r.records).toBe(300);
    expect(r.range?.first).toBe(1);
    expect(r.range?.last).toBe(300);
    expect(r.checkpoints).toEqual({ stored: 3, external: 0 });
    expect(r.latestCheckpoint?.size).toBe(300);
  });

  it("reports altered (exit 1) after a byte flip, a deleted middle record, or two swapped records", async () => {
    await logWithCheckpoints(300, 100);
    tamper(f.dbPath, "UPDATE audit_log SET outcome = 'error' WHERE seq = 150");
    expect(await verify()).toMatchObject({
      verdict: "altered",
      firstFailure: { seq: 150, reason: "hash_mismatch" },
    });

    await logWithCheckpoints(300, 100);
    tamper(f.dbPath, "DELETE FROM audit_log WHERE seq = 150");
    expect(await verify()).toMatchObject({
      verdict: "altered",
      firstFailure: { seq: 150, reason: "seq_gap" },
    });

    await logWithCheckpoints(300, 100);
    tamper(f.dbPath, "UPDATE audit_log SET seq = 1000000 WHERE seq = 150");
    tamper(f.dbPath, "UPDATE audit_log SET seq = 150 WHERE seq = 151");
    tamper(f.dbPath, "UPDATE audit_log SET seq = 151 WHERE seq = 1000000");
    expect(await verify()).toMatchObject({ verdict: "altered", firstFailure: { seq: 150 } });
  });

  it("finds the same first failure when the chain is split across worker threads, at and between part boundaries", async () => {
    await logWithCheckpoints(300, 100);
    expect(await verify([], true)).toMatchObject({
      verdict: "ok",
      records: 300,
      latestCheckpoint: { size: 300 },
    });
    for (const [sql, seq, reason] of [
      ["UPDATE audit_log SET outcome = 'error' WHERE seq = 101", 101, "hash_mismatch"],
      ["UPDATE audit_log SET prev_hash = hash WHERE seq = 201", 201, "prev_hash_mismatch"],
      ["DELETE FROM audit_log WHERE seq = 101", 101, "seq_gap"],
      ["UPDATE audit_log SET outcome = 'error' WHERE seq = 250", 250, "hash_mismatch"],
    ] as const) {
      await logWithCheckpoints(300, 100);
      tamper(f.dbPath, sql);
      expect(await verify([], true)).toMatchObject({
        verdict: "altered",
        records: seq - 1,
        firstFailure: { seq, reason },
      });
    }
  });

  it("reports truncated (exit 2) when the newest records and their checkpoints are deleted and an earlier checkpoint is given", async () => {
    const notes = await logWithCheckpoints(300, 100);
    const db = openDatabase(f.dbPath);
    db.prepare("DELETE FROM audit_checkpoints WHERE size > 100").run();
    db.prepare("DELETE FROM audit_log WHERE seq > 150").run();
    db.close();
    expect((await verify()).verdict).toBe("ok"); // the chain alone cannot tell
    const r = await verify([notes[1] ?? ""]); // the size-200 checkpoint a supervisor saved
    expect(r).toMatchObject({
      verdict: "truncated",
      firstFailure: { seq: 200, reason: "truncated", source: "cp-0" },
    });
  });

  it("reports truncated when a stored checkpoint is beyond the end, and forked when the rewritten tail differs", async () => {
    await logWithCheckpoints(300, 100);
    const db = openDatabase(f.dbPath);
    db.prepare("DELETE FROM audit_log WHERE seq > 250").run();
    db.close();
    expect(await verify()).toMatchObject({
      verdict: "truncated",
      firstFailure: { seq: 300, reason: "truncated" },
    });

    // Rolled back to 150 and re-grown with other records to 300: same size, different head.
    const notes = await logWithCheckpoints(300, 100);
    const db2 = openDatabase(f.dbPath);
    db2.prepare("DELETE FROM audit_log WHERE seq > 150").run();
    db2.prepare("DELETE FROM audit_checkpoints").run();
    db2.close();
    f.reopen();
    f.log.appendBatch(
      Array.from({ length: 150 }, (_, i) => ({ ...sampleInput(i), reason: "other" })),
    );
    f.db.close();
    expect(await verify([notes[2] ?? ""])).toMatchObject({
      verdict: "truncated",
      firstFailure: { seq: 300, reason: "forked" },
    });
  });

  it("reports altered when a stored checkpoint was forged, and refuses an external one signed by another key", async () => {
    await logWithCheckpoints(100, 100);
    const other = loadOrCreateSigningKey(join(f.dir, "other"));
    const forged = signCheckpoint(
      { origin: ORIGIN, size: 100, hash: "ab".repeat(32), time: "2026-11-30T08:00:00.000Z" },
      other,
    );
    tamper(f.dbPath, "UPDATE audit_checkpoints SET note = ? WHERE size = 100", forged);
    expect(await verify()).toMatchObject({
      verdict: "altered",
      firstFailure: { reason: "checkpoint_invalid" },
    });
    await expect(verify([forged])).rejects.toThrow(ExternalCheckpointError);
  });
});
