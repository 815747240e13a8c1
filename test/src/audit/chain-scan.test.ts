/**
 * The chunked fast path of verification (`chain-scan.ts`) against the row-by-row walk: it must
 * take intact chunks (no silent fallback that would hide a slow path), build exactly the bytes
 * of `encoding.ts` for every kind of value, and leave every failure report to the row-by-row
 * walk, also at chunk and thread-part boundaries.
 */
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { CHUNK, fastScanSafe } from "../../../src/audit/chain-scan.ts";
import {
  createRecordHasher,
  GENESIS_HASH,
  HASHED_COLUMNS,
  type HashedValue,
} from "../../../src/audit/encoding.ts";
import type { AuditInput } from "../../../src/audit/types.ts";
import {
  verifyChain,
  verifyChainParallel,
  type ChainOptions,
  type ChainResult,
} from "../../../src/audit/verify.ts";
import { openDatabase } from "../../../src/db/open.ts";
import { makeFixture, sampleInput, tamper, type Fixture } from "./helpers.ts";

let f: Fixture | undefined;
afterEach(() => f?.cleanup());

/** Records of every shape: NULLs, multi-byte UTF-8, values of 127, 128 and several hundred bytes. */
function varied(i: number): AuditInput {
  switch (i % 5) {
    case 0:
      return { action: "device.status", outcome: "ok" }; // reason, digest, waybill_enc NULL
    case 1:
      return { ...sampleInput(i), place: { area: "分拣区-二", workstation: "台-7" } };
    case 2:
      // A job id of 128 three-byte characters: `target` is over 256 bytes.
      return { ...sampleInput(i), target: { device: "zpl-1", jobId: "号".repeat(128) } };
    case 3: {
      // `target` of exactly 127 and 128 bytes on alternate records.
      const base = `{"device":"d","job_id":""}`.length;
      return {
        ...sampleInput(i),
        target: { device: "d", jobId: "j".repeat(127 - base + (i % 2)) },
      };
    }
    default:
      return sampleInput(i);
  }
}

function filled(n: number, input: (i: number) => AuditInput = sampleInput): Fixture {
  const fx = makeFixture();
  for (let b = 0; b < n; b += 500)
    fx.log.appendBatch(Array.from({ length: Math.min(500, n - b) }, (_, j) => input(b + j)));
  fx.db.close();
  return fx;
}

function chain(path: string, o: ChainOptions = {}): ChainResult {
  const db = openDatabase(path, { readonly: true });
  try {
    return verifyChain(db, o);
  } finally {
    db.close();
  }
}

async function parallel(path: string, o: ChainOptions = {}): Promise<ChainResult> {
  const db = openDatabase(path, { readonly: true });
  try {
    return await verifyChainParallel(db, { ...o, threads: 2, parallelMin: 1 });
  } finally {
    db.close();
  }
}

/** The verdict part of a result, comparable between the two paths. */
const verdict = (r: ChainResult) => ({ records: r.records, firstBad: r.firstBad, last: r.last });

describe("chunked verification", () => {
  it("takes the fast path on every chunk of an intact log of varied records, with the row-by-row walk's result", async () => {
    const n = 2 * CHUNK + 77;
    f = filled(n, varied);
    const fast = chain(f.dbPath, { wanted: new Set([1, CHUNK, CHUNK + 1, n]) });
    expect(fast.rowWalkChunks).toBe(0);
    expect(fast.records).toBe(n);
    expect(fast.firstBad).toBeUndefined();
    const slow = chain(f.dbPath, { rowByRow: true, wanted: new Set([1, CHUNK, CHUNK + 1, n]) });
    expect(slow.rowWalkChunks).toBe(3);
    expect(verdict(fast)).toEqual(verdict(slow));
    expect([...fast.hashes]).toEqual([...slow.hashes]);
    const split = await parallel(f.dbPath);
    expect(split.rowWalkChunks).toBe(0);
    expect(verdict(split)).toEqual(verdict(slow));
  });

  it("reports progress for every record", () => {
    f = filled(CHUNK + 5);
    const seen: number[] = [];
    chain(f.dbPath, { onProgress: (d) => seen.push(d) });
    expect(seen.at(-1)).toBe(CHUNK + 5);
  });

  // Tampering at the first, last and middle record of a chunk and across a thread-part boundary
  // (two threads on 2·CHUNK + 10 records: parts 1…CHUNK+5 and CHUNK+6…).
  const n = 2 * CHUNK + 10;
  const cases: [string, string, number][] = [
    [
      "outcome of the last record of chunk 1",
      `UPDATE audit_log SET outcome = 'error' WHERE seq = ${CHUNK}`,
      CHUNK,
    ],
    [
      "prev_hash of the first record of chunk 2",
      `UPDATE audit_log SET prev_hash = hash WHERE seq = ${CHUNK + 1}`,
      CHUNK + 1,
    ],
    ["the last record of chunk 1 deleted", `DELETE FROM audit_log WHERE seq = ${CHUNK}`, CHUNK],
    [
      "the first record of part 2 deleted",
      `DELETE FROM audit_log WHERE seq = ${CHUNK + 6}`,
      CHUNK + 6,
    ],
    [
      "the last record of part 1 deleted",
      `DELETE FROM audit_log WHERE seq = ${CHUNK + 5}`,
      CHUNK + 5,
    ],
    ["hash of a middle record", `UPDATE audit_log SET hash = upper(hash) WHERE seq = 700`, 700],
    // The fast path takes the byte lengths from SQLite apart from the bytes: the same bytes cut
    // elsewhere, a value made empty or NULL, must each fail.
    [
      "a byte moved from gateway to site",
      `UPDATE audit_log SET site = site || substr(gateway, 1, 1), gateway = substr(gateway, 2) WHERE seq = 701`,
      701,
    ],
    ["reason made empty", `UPDATE audit_log SET reason = '' WHERE seq = 702`, 702],
    ["reason made NULL", `UPDATE audit_log SET reason = NULL WHERE seq = ${CHUNK + 2}`, CHUNK + 2],
    [
      "reason made 60,000 bytes long (a length the fast path does not take)",
      `UPDATE audit_log SET reason = replace(hex(zeroblob(30000)), '0', 'x') WHERE seq = ${CHUNK + 3}`,
      CHUNK + 3,
    ],
    [
      "waybill_enc of a record in chunk 3",
      `UPDATE audit_log SET waybill_enc = x'00' WHERE seq = ${2 * CHUNK + 3}`,
      2 * CHUNK + 3,
    ],
  ];
  it.each(cases)("reports %s exactly as the row-by-row walk does", async (_, sql, seq) => {
    f = filled(n);
    tamper(f.dbPath, sql);
    const slow = chain(f.dbPath, { rowByRow: true });
    expect(slow.firstBad?.seq).toBe(seq);
    expect(slow.records).toBe(seq - 1);
    const fast = chain(f.dbPath);
    expect(verdict(fast)).toEqual(verdict(slow));
    expect(fast.rowWalkChunks).toBe(1); // the chunks before were taken fast
    expect(verdict(await parallel(f.dbPath))).toEqual(verdict(slow));
  });

  it("takes a value of up to 55,294 bytes fast and walks a chunk with a longer one, with the same result", async () => {
    // The length of a value reaches JavaScript as one code point (length + 1); from U+D800 on it
    // would not arrive as one UTF-16 unit, so such a chunk is walked row by row (still valid).
    const lengths = new Map([
      [5, 55_294], // the longest taken fast: code point U+D7FF
      [CHUNK + 5, 55_295], // U+D800, a surrogate: SQLite writes bytes that decode to U+FFFD
      [2 * CHUNK + 5, 70_000], // above U+FFFF: a surrogate pair in JavaScript
      [3 * CHUNK + 5, 1_200_000], // above U+10FFFF: char() gives U+FFFD
    ]);
    const total = 4 * CHUNK;
    f = filled(total);
    const db = new Database(f.dbPath);
    const hash = createRecordHasher();
    const rows = db
      .prepare(`SELECT ${HASHED_COLUMNS.join(", ")} FROM audit_log ORDER BY seq`)
      .raw(true)
      .all() as HashedValue[][];
    const update = db.prepare(
      "UPDATE audit_log SET reason = ?, prev_hash = ?, hash = ? WHERE seq = ?",
    );
    let prev = GENESIS_HASH;
    db.transaction(() => {
      for (const row of rows) {
        const seq = Number(row[0]);
        const long = lengths.get(seq);
        if (long !== undefined) row[9] = "r".repeat(long);
        row[12] = prev;
        prev = hash(row);
        update.run(row[9], row[12], prev, seq);
      }
    })();
    db.close();
    const fast = chain(f.dbPath);
    expect(fast.firstBad).toBeUndefined();
    expect(fast.records).toBe(total);
    expect(fast.rowWalkChunks).toBe(3);
    const slow = chain(f.dbPath, { rowByRow: true });
    expect(verdict(fast)).toEqual(verdict(slow));
    const split = await parallel(f.dbPath);
    expect(split.rowWalkChunks).toBe(3);
    expect(verdict(split)).toEqual(verdict(slow));
  });

  it("walks a table that lost STRICT row by row", () => {
    f = filled(CHUNK + 3);
    const db = new Database(f.dbPath);
    db.exec(
      "CREATE TABLE loose AS SELECT * FROM audit_log; DROP TABLE audit_log; ALTER TABLE loose RENAME TO audit_log;",
    );
    expect(fastScanSafe(db)).toBe(false);
    db.close();
    const r = chain(f.dbPath);
    expect(r).toMatchObject({ records: CHUNK + 3, rowWalkChunks: 2 });
    expect(r.firstBad).toBeUndefined();
  });
});
