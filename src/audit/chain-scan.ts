/**
 * The fast path of chain verification (target ≥ 500,000 records/s, DESIGN.md §8).
 *
 * Where the time went, profiled on a 200,000-record log on the 2-core reference box: SQLite reads
 * a record in about 0.3 µs, and SHA-256 of its ~500 bytes takes about 0.5 µs, but handing a row
 * to JavaScript costs 0.5–0.6 µs for the row plus about as much per value (better-sqlite3
 * creates a string or Buffer for each), and building the length-prefixed message M with one
 * `printf`/`unhex` per column cost SQLite about 1.7 µs. Three measures:
 * - Chunks: one query returns {@link CHUNK} records at once, as one BLOB holding their Ms back to
 *   back (`group_concat`) and one string of their hashes, so the per-row crossing disappears.
 * - Cheaper M: SQLite copies each record's values into M with one `concat()`, leaving four zero
 *   bytes where each length prefix goes, and hands over the 13 lengths as one `char()` per record
 *   (code point = byte length + 1, 0 for NULL; {@link FAST_SQL}). JavaScript writes the prefixes
 *   into those gaps, so M is exactly the bytes of `encoding.ts`, reads seq and `prev_hash` out of
 *   M, and checks the hash and the link. (An earlier version built each prefix in SQL with a
 *   `char(0, 0, 0, n)` or `printf` per column: 0.5 µs more per record, a fifth of the total.)
 *   A length is taken only when its code point arrives as one UTF-16 unit below U+D800 (lengths
 *   up to 55,294 bytes, far above any record's); anything else (a surrogate pair, U+FFFD for
 *   an out-of-range or surrogate code point) sends the chunk to the row-by-row walk, so every
 *   length used is the value's true byte length and the chunk's bytes must add up exactly.
 * - Long logs are split by seq range across worker threads, each with its own read-only
 *   connection (WAL readers do not block each other or the writer). Each part checks its own
 *   links; the parts are stitched by comparing each part's first `prev_hash` with the previous
 *   part's last `hash`, so a failure at a boundary is found exactly as in one pass.
 *
 * The fast path only ever says "this chunk is good". When anything in a chunk does not check
 * out (a missing seq, a hash or a link that does not match, a malformed M), that chunk is
 * verified again row by row ({@link SCAN_SQL}, {@link scanLoop}: every column handed over, its
 * type checked), which names the first bad record and why, exactly as before. So results and
 * failure reports are those of the row-by-row walk; only intact chunks take the fast path.
 *
 * Column types. The row-by-row walk checks each value's type (`bad_type`); the fast path does
 * not (13 `typeof` calls cost a third of its time). It runs only when the table is the STRICT
 * table of `schema.ts` with its declared column types and the database is UTF-8
 * ({@link fastScanSafe}); SQLite itself then refuses every value of another type on INSERT and
 * UPDATE, so a wrong type means a table rebuilt by hand, and such a table is walked row by row.
 * (Only an edit of the file's bytes below SQLite could still turn a TEXT into a BLOB with the
 * same bytes; M, which commits to bytes and not to types, is then unchanged, and so is what the
 * record says. Any change of a value's bytes fails the hash.)
 */
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import * as nodeCrypto from "node:crypto";
import type { Db } from "../db/open.ts";
import { HASH_DOMAIN, HASHED_COLUMNS } from "./encoding.ts";

/** Why a record is bad (see `verify.ts`). */
export type ScanFailureReason = "seq_gap" | "prev_hash_mismatch" | "hash_mismatch" | "bad_type";

export interface ScanOut {
  /** Records verified good in this part. */
  good: number;
  /** `prev_hash` of the part's first record (undefined for an empty part). */
  firstPrev: string | undefined;
  /** Hash of the last good record ("" when none). */
  last: string;
  bad?: { seq: number; reason: ScanFailureReason };
  /** [seq, hash] of wanted seqs that verified good. */
  hashes: [number, string][];
}

const domainHex = Buffer.from(HASH_DOMAIN, "latin1").toString("hex");
const field = (c: string): string =>
  c === "seq"
    ? "unhex(printf('%08x', length(CAST(seq AS TEXT)))) || CAST(seq AS TEXT)"
    : `CASE WHEN ${c} IS NULL THEN X'FFFFFFFF' ELSE unhex(printf('%08x', length(CAST(${c} AS BLOB)))) || CAST(${c} AS BLOB) END`;
const TYPES_OK = `(typeof(ts) = 'text' AND typeof(site) = 'text' AND typeof(gateway) = 'text'
  AND typeof(place) = 'text' AND typeof(actor) = 'text' AND typeof(action) = 'text'
  AND typeof(target) = 'text' AND typeof(outcome) = 'text' AND typeof(reason) IN ('text', 'null')
  AND typeof(digest) IN ('text', 'null') AND typeof(waybill_enc) IN ('blob', 'null')
  AND typeof(prev_hash) = 'text' AND typeof(hash) = 'text')`;

/**
 * One row per record: seq, prev_hash, hash, types-ok (1/0), M (BLOB). SQLite's `||` works on
 * text, but keeps the bytes of its operands, and the final CAST returns them unchanged.
 */
export const SCAN_SQL = `SELECT seq, prev_hash, hash, ${TYPES_OK},
  CAST(X'${domainHex}' || ${HASHED_COLUMNS.map(field).join(" || ")} AS BLOB)
  FROM audit_log WHERE seq BETWEEN ? AND ? ORDER BY seq`;

/**
 * The verification loop of one part. Self-contained (no reference outside its parameters): it is
 * serialized into the worker threads' source.
 */
export function scanLoop(
  rows: Iterable<unknown[]>,
  startSeq: number,
  startPrev: string | undefined,
  wanted: readonly number[],
  hashHex: (b: Uint8Array) => string,
  progress: (n: number) => void,
): ScanOut {
  const want = new Set(wanted);
  const hashes: [number, string][] = [];
  let expected = startSeq;
  let prev = startPrev;
  let firstPrev: string | undefined;
  let good = 0;
  let last = "";
  for (const row of rows) {
    const seq = Number(row[0]);
    if (firstPrev === undefined) firstPrev = String(row[1]);
    if (seq !== expected)
      return { good, firstPrev, last, bad: { seq: expected, reason: "seq_gap" }, hashes };
    if (row[3] !== 1) return { good, firstPrev, last, bad: { seq, reason: "bad_type" }, hashes };
    if (prev !== undefined && row[1] !== prev)
      return { good, firstPrev, last, bad: { seq, reason: "prev_hash_mismatch" }, hashes };
    if (hashHex(row[4] as Uint8Array) !== row[2])
      return { good, firstPrev, last, bad: { seq, reason: "hash_mismatch" }, hashes };
    prev = row[2] as string;
    last = prev;
    if (want.has(seq)) hashes.push([seq, prev]);
    expected++;
    good++;
    if ((good & 65535) === 0) progress(65536);
  }
  return { good, firstPrev, last, hashes };
}

/** Records per fast-path query (about half a megabyte of M per chunk). */
export const CHUNK = 1024;

/**
 * One row per chunk [?, ?]: the number of records, the number of `hash` values that are not 64
 * bytes, their hashes back to back (TEXT), their Ms back to back with zeros in place of the 13
 * length prefixes (BLOB), and per record 13 code points, each a value's byte length + 1, or 0
 * for NULL (`char(NULL)` is U+0000), as TEXT. `concat` and `group_concat` copy the bytes of their
 * TEXT and BLOB operands unchanged (NUL bytes included), and `concat` skips a NULL, so a NULL
 * value leaves only its four zeros. The three `group_concat`s of one query take the rows in the
 * same order (which need not be seq order: each M names its seq).
 */
export const FAST_SQL = `SELECT count(*), total(octet_length(hash) <> 64), group_concat(hash, ''),
  CAST(group_concat(concat(X'${domainHex}', ${HASHED_COLUMNS.map((c) => `X'00000000', ${c}`).join(", ")}), '') AS BLOB),
  group_concat(char(${HASHED_COLUMNS.map((c) => `octet_length(${c}) + 1`).join(", ")}), '')
  FROM audit_log WHERE seq BETWEEN ? AND ?`;

const EXPECTED_TYPES: Readonly<Record<string, string>> = Object.fromEntries(
  [...HASHED_COLUMNS, "hash"].map((c) => [
    c,
    c === "seq" ? "INTEGER" : c === "waybill_enc" ? "BLOB" : "TEXT",
  ]),
);

/**
 * Whether the fast path may skip the per-value type check: `audit_log` is STRICT, has exactly the
 * columns of `schema.ts` with their declared types (no generated columns), and the database
 * encoding is UTF-8 (so `octet_length` counts the bytes `concat` copies).
 */
export function fastScanSafe(db: Db): boolean {
  const table = db
    .prepare("SELECT strict FROM pragma_table_list WHERE schema = 'main' AND name = 'audit_log'")
    .get() as { strict: number } | undefined;
  if (table?.strict !== 1) return false;
  if (db.pragma("encoding", { simple: true }) !== "UTF-8") return false;
  const cols = db
    .prepare("SELECT name, type, hidden FROM pragma_table_xinfo('audit_log')")
    .all() as { name: string; type: string; hidden: number }[];
  return (
    cols.length === Object.keys(EXPECTED_TYPES).length &&
    cols.every((c) => c.hidden === 0 && EXPECTED_TYPES[c.name] === c.type.toUpperCase())
  );
}

/** How a part reads its rows: `fast` runs {@link FAST_SQL}, `exact` iterates {@link SCAN_SQL}. */
export interface PartQueries {
  readonly fast: ((from: number, to: number) => unknown[] | undefined) | undefined;
  readonly exact: (from: number, to: number) => Iterable<unknown[]>;
}

/** {@link ScanOut} plus how many chunks had to be walked row by row. */
export interface PartOut extends ScanOut {
  rowWalkChunks: number;
}

/**
 * Verifies [from, to] chunk by chunk: the fast path first, the row-by-row walk (`exactLoop`,
 * i.e. {@link scanLoop}) for a chunk the fast path does not accept. Self-contained like
 * `scanLoop` (serialized into the worker threads' source). `domainLength` is the byte length of
 * `HASH_DOMAIN`.
 */
export function scanPart(
  q: PartQueries,
  from: number,
  to: number,
  startPrev: string | undefined,
  wanted: readonly number[],
  hashHex: (b: Uint8Array) => string,
  progress: (n: number) => void,
  exactLoop: typeof scanLoop,
  chunk: number,
  domainLength: number,
): PartOut {
  const want = new Set(wanted);
  const hashes: [number, string][] = [];
  let good = 0;
  let last = "";
  let firstPrev: string | undefined;
  let prev = startPrev;
  let rowWalkChunks = 0;
  let unreported = 0;
  for (let a = from; a <= to; a += chunk) {
    const b = Math.min(to, a + chunk - 1);
    const n = b - a + 1;
    let ok = false;
    let chunkFirstPrev: string | undefined;
    const found: [number, string][] = [];
    const row = q.fast?.(a, b);
    const hs = row?.[2];
    const m = row?.[3];
    const lens = row?.[4];
    if (
      row !== undefined &&
      row[0] === n &&
      row[1] === 0 &&
      typeof hs === "string" &&
      hs.length === 64 * n &&
      m instanceof Uint8Array &&
      typeof lens === "string" &&
      lens.length === 13 * n
    ) {
      ok = true;
      let p = 0;
      let h = prev;
      for (let r = 0; r < n && ok; r++) {
        let at = p + domainLength;
        let prevAt = -1;
        for (let f = 0; f < 13; f++) {
          // The value's byte length + 1 (0: NULL); see FAST_SQL and the module comment.
          const code = lens.charCodeAt(r * 13 + f);
          if (code >= 0xd800 || at + 4 > m.length) {
            ok = false;
            break;
          }
          if (code === 0) {
            // NULL: FF FF FF FF. seq and prev_hash are never NULL.
            m[at] = m[at + 1] = m[at + 2] = m[at + 3] = 0xff;
            at += 4;
            if (f === 0 || f === 12) {
              ok = false;
              break;
            }
            continue;
          }
          const len = code - 1;
          m[at] = 0;
          m[at + 1] = 0;
          m[at + 2] = len >>> 8;
          m[at + 3] = len & 0xff;
          at += 4;
          if (at + len > m.length) {
            ok = false;
            break;
          }
          if (f === 0) {
            // seq, in decimal: it must be the next one (presence and order in one check).
            let v = 0;
            for (let k = 0; k < len; k++) v = v * 10 + ((m[at + k] ?? 0) - 48);
            if (len === 0 || len > 16 || v !== a + r) ok = false;
          } else if (f === 12) {
            if (len === 64) prevAt = at;
            else ok = false;
          }
          if (!ok) break;
          at += len;
        }
        if (!ok) break;
        if (h !== undefined) {
          for (let k = 0; k < 64; k++) {
            if (m[prevAt + k] !== h.charCodeAt(k)) {
              ok = false;
              break;
            }
          }
          if (!ok) break;
        } else {
          chunkFirstPrev = String.fromCharCode(...m.subarray(prevAt, prevAt + 64));
        }
        const d = hashHex(m.subarray(p, at));
        if (!hs.startsWith(d, r * 64)) {
          ok = false;
          break;
        }
        if (want.has(a + r)) found.push([a + r, d]);
        h = d;
        p = at;
      }
      if (ok && p === m.length && h !== undefined) {
        if (a === from) firstPrev = chunkFirstPrev ?? startPrev;
        good += n;
        last = h;
        prev = h;
        for (const x of found) hashes.push(x);
      } else {
        ok = false;
      }
    }
    if (!ok) {
      rowWalkChunks++;
      const out = exactLoop(q.exact(a, b), a, prev, wanted, hashHex, () => {});
      if (a === from) firstPrev = out.firstPrev;
      good += out.good;
      for (const x of out.hashes) hashes.push(x);
      if (out.good > 0) last = out.last;
      // A chunk whose last records are missing ends without a failure of its own.
      const bad =
        out.bad ?? (out.good < n ? { seq: a + out.good, reason: "seq_gap" as const } : undefined);
      if (bad !== undefined) return { good, firstPrev, last, bad, hashes, rowWalkChunks };
      prev = out.last;
    }
    unreported += n;
    if (unreported >= 65536) {
      progress(unreported);
      unreported = 0;
    }
  }
  if (unreported > 0) progress(unreported);
  return { good, firstPrev, last, hashes, rowWalkChunks };
}

const hashHex: (b: Uint8Array) => string =
  typeof nodeCrypto.hash === "function"
    ? (b) => nodeCrypto.hash("sha256", b, "hex")
    : (b) => nodeCrypto.createHash("sha256").update(b).digest("hex");

const DOMAIN_LENGTH = Buffer.byteLength(HASH_DOMAIN, "latin1");

/**
 * Scans [from, to] on `db` in this thread, in one read snapshot. `fast: false` walks every row
 * (tests compare both paths; a table that is not {@link fastScanSafe} is always walked).
 */
export function scanInProcess(
  db: Db,
  from: number,
  to: number,
  startPrev: string | undefined,
  wanted: readonly number[],
  progress: (n: number) => void,
  fast = true,
): PartOut {
  return db.transaction(() => {
    const fastStmt =
      fast && fastScanSafe(db)
        ? db.prepare<[number, number], unknown[]>(FAST_SQL).raw(true)
        : undefined;
    const exactStmt = db.prepare<[number, number], unknown[]>(SCAN_SQL).raw(true);
    return scanPart(
      {
        fast: fastStmt === undefined ? undefined : (a, b) => fastStmt.get(a, b),
        exact: (a, b) => exactStmt.iterate(a, b),
      },
      from,
      to,
      startPrev,
      wanted,
      hashHex,
      progress,
      scanLoop,
      CHUNK,
      DOMAIN_LENGTH,
    );
  })();
}

/** Parts below this many records are not worth a thread. */
export const PARALLEL_MIN_RECORDS = 200_000;

/** Default number of worker threads: the cores, at most 4. */
export function defaultThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

const WORKER_SOURCE = `
const { parentPort, workerData: w } = require("node:worker_threads");
const nodeCrypto = require("node:crypto");
const Database = require(w.sqlite);
const scanLoop = ${scanLoop.toString()};
const scanPart = ${scanPart.toString()};
const hashHex = typeof nodeCrypto.hash === "function"
  ? (b) => nodeCrypto.hash("sha256", b, "hex")
  : (b) => nodeCrypto.createHash("sha256").update(b).digest("hex");
const db = new Database(w.file, { readonly: true, fileMustExist: true });
try {
  const fastStmt = w.fast ? db.prepare(w.fastSql).raw(true) : undefined;
  const exactStmt = db.prepare(w.exactSql).raw(true);
  const q = {
    fast: fastStmt === undefined ? undefined : (a, b) => fastStmt.get(a, b),
    exact: (a, b) => exactStmt.iterate(a, b),
  };
  const out = db.transaction(() => scanPart(q, w.from, w.to, undefined, w.wanted, hashHex,
    (n) => parentPort.postMessage({ progress: n }), scanLoop, w.chunk, w.domainLength))();
  parentPort.postMessage({ out });
} finally {
  db.close();
}
`;

/**
 * Scans [from, to] of the database file `file` split across `threads` workers, stitching the
 * parts; the first part starts after `startPrev`. `fast` as in {@link scanInProcess} (the caller
 * checks {@link fastScanSafe} on its own connection to the same file). Progress is reported in
 * records.
 */
export async function scanParallel(
  file: string,
  from: number,
  to: number,
  startPrev: string,
  wanted: readonly number[],
  threads: number,
  progress: (n: number) => void,
  fast: boolean,
): Promise<PartOut> {
  const sqlite = createRequire(import.meta.url).resolve("better-sqlite3");
  const size = Math.ceil((to - from + 1) / threads);
  const parts: { from: number; to: number }[] = [];
  for (let a = from; a <= to; a += size) parts.push({ from: a, to: Math.min(to, a + size - 1) });
  const outs = await Promise.all(
    parts.map(
      (p) =>
        new Promise<PartOut>((resolve, reject) => {
          const worker = new Worker(WORKER_SOURCE, {
            eval: true,
            workerData: {
              sqlite,
              file,
              fast,
              fastSql: FAST_SQL,
              exactSql: SCAN_SQL,
              chunk: CHUNK,
              domainLength: DOMAIN_LENGTH,
              from: p.from,
              to: p.to,
              wanted: wanted.filter((s) => s >= p.from && s <= p.to),
            },
          });
          worker.on("message", (m: { progress?: number; out?: PartOut }) => {
            if (m.progress !== undefined) progress(m.progress);
            if (m.out !== undefined) resolve(m.out);
          });
          worker.on("error", reject);
          worker.on("exit", (code) => {
            if (code !== 0) reject(new Error(`verify worker exited with ${code}`));
          });
        }),
    ),
  );
  // Stitch: each part must start where the previous one ended.
  let good = 0;
  let last = "";
  let prev: string = startPrev;
  let rowWalkChunks = 0;
  const hashes: [number, string][] = [];
  for (const [i, out] of outs.entries()) {
    const part = parts[i];
    if (part === undefined) break;
    rowWalkChunks += out.rowWalkChunks;
    // As in one pass: a missing first record or a wrong type is reported before the link.
    const firstIsBad =
      out.bad?.seq === part.from && (out.bad.reason === "seq_gap" || out.bad.reason === "bad_type");
    if (out.firstPrev !== undefined && out.firstPrev !== prev && !firstIsBad) {
      return {
        good,
        firstPrev: startPrev,
        last,
        bad: { seq: part.from, reason: "prev_hash_mismatch" },
        hashes,
        rowWalkChunks,
      };
    }
    good += out.good;
    hashes.push(...out.hashes);
    if (out.good > 0) last = out.last;
    if (out.bad !== undefined)
      return { good, firstPrev: startPrev, last, bad: out.bad, hashes, rowWalkChunks };
    prev = out.last;
  }
  return { good, firstPrev: startPrev, last, hashes, rowWalkChunks };
}
