/**
 * Audit log (DESIGN.md §8, issue #7):
 * - durable appends/s with group commit (many concurrent appenders, each waiting for its own
 *   batch to be fsynced, as intake and the device queues do) next to the per-record-fsync
 *   baseline (each append its own `synchronous = FULL` transaction), same disk, same run;
 * - `audit verify` records/s on a 1,000,000-record log (200,000 with `--quick`) next to the v0
 *   walk (every column handed to JavaScript and re-encoded there, one thread), same file. The
 *   verification is the product's (`verifyChainParallel`: chunked fast path, worker threads);
 *   the case fails if any chunk fell back to the row-by-row walk.
 */
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { createAuditLog, type AuditLog } from "../../../src/audit/log.ts";
import { createRecordHasher, GENESIS_HASH, HASHED_COLUMNS } from "../../../src/audit/encoding.ts";
import { defaultThreads } from "../../../src/audit/chain-scan.ts";
import { verifyChainParallel } from "../../../src/audit/verify.ts";
import type { AuditInput } from "../../../src/audit/types.ts";
import { loadOrCreateKeys } from "../../../src/crypto/keys.ts";
import { createGroupCommit } from "../../../src/db/group-commit.ts";
import { openDatabase, type Db } from "../../../src/db/open.ts";
import { median, monoMs, percentile, round } from "../lib/stats.ts";
import type { BenchCase, BenchContext, BenchResult } from "../types.ts";

const APPEND_TARGET = 20_000;
const VERIFY_TARGET = 500_000;
const APPENDERS = 1024;

function input(i: number): AuditInput {
  return {
    action: "print.dispatched",
    outcome: "ok",
    place: { area: "hall-2", workstation: "ws-12" },
    actor: { operator: "E10293", client: "ws-12" },
    target: { device: `zpl-${i % 8}`, jobId: `job-${i}` },
    waybillNo: `SF${1234567890123 + i}`,
    digest: "ab".repeat(32),
  };
}

function openLog(dir: string): { db: Db; log: AuditLog } {
  const db = openDatabase(join(dir, "labelgate.db"));
  const keys = loadOrCreateKeys(dir);
  return { db, log: createAuditLog({ db, keys, site: "demo", gateway: "gw1", clock: Date.now }) };
}

/** Group commit: APPENDERS loops, each awaiting its own durable append, for `ms`. */
async function groupCommitRun(
  dir: string,
  ms: number,
): Promise<{ rate: number; p99: number; cpuUs: number }> {
  const { db, log } = openLog(dir);
  const writer = createGroupCommit(db);
  let n = 0;
  const latencies: number[] = [];
  const end = monoMs() + ms;
  const t0 = monoMs();
  const c0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: APPENDERS }, async () => {
      while (monoMs() < end) {
        const i = n++;
        const start = monoMs();
        await writer.commit(() => log.append(input(i)));
        latencies.push(monoMs() - start);
      }
    }),
  );
  const rate = latencies.length / ((monoMs() - t0) / 1000);
  const cpuUs = cpuMicros(c0) / latencies.length;
  await writer.close();
  db.close();
  return { rate, p99: percentile(latencies, 0.99), cpuUs };
}

/**
 * CPU time of this process (all its threads, so the verify workers too) since `from`, in µs.
 * Unlike wall-clock rates it hardly depends on how busy the shared machine is: it tells what one
 * free core would do.
 */
function cpuMicros(from: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(from);
  return u.user + u.system;
}

/** Baseline: one transaction and one fsync per record. */
function perRecordRun(dir: string, ms: number): number {
  const { db, log } = openLog(dir);
  let n = 0;
  const t0 = monoMs();
  while (monoMs() - t0 < ms) log.append(input(n++));
  const rate = n / ((monoMs() - t0) / 1000);
  db.close();
  return rate;
}

/** Writes a valid chain of `n` records quickly (realistic sizes; no fsync while filling). */
function fill(dir: string, n: number): string {
  const { db, log } = openLog(dir);
  log.append(input(0)); // creates the tables
  db.pragma("synchronous = OFF");
  const hash = createRecordHasher();
  const insert = db.prepare(
    `INSERT INTO audit_log (${HASHED_COLUMNS.join(", ")}, hash) VALUES (${HASHED_COLUMNS.map(() => "?").join(", ")}, ?)`,
  );
  let prev = db.prepare("SELECT hash FROM audit_log WHERE seq = 1").pluck().get() as string;
  const t = Date.UTC(2026, 10, 30);
  const batch = db.transaction((from: number, to: number) => {
    for (let seq = from; seq <= to; seq++) {
      const values = [
        seq,
        new Date(t + seq).toISOString(),
        "demo",
        "gw1",
        '{"area":"hall-2","site":"demo","workstation":"ws-12"}',
        '{"client":"ws-12","operator":"E10293"}',
        seq % 2 === 0 ? "print.dispatched" : "print.completed",
        `{"device":"zpl-${seq % 8}","job_id":"job-${seq}","waybill_ref":"${"cd".repeat(32)}"}`,
        "ok",
        null,
        "ab".repeat(32),
        randomBytes(44),
        prev,
      ];
      prev = hash(values);
      insert.run(...values, prev);
    }
  });
  for (let from = 2; from <= n; from += 10_000) batch(from, Math.min(n, from + 9_999));
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  return join(dir, "labelgate.db");
}

/** The v0 walk: all thirteen columns into JavaScript, re-encoded and hashed there. */
function v0Walk(db: Db): number {
  const hash = createRecordHasher();
  let prev = GENESIS_HASH;
  let n = 0;
  const rows = db
    .prepare<[], unknown[]>(`SELECT ${HASHED_COLUMNS.join(", ")}, hash FROM audit_log ORDER BY seq`)
    .raw(true)
    .iterate();
  for (const row of rows) {
    if (row[12] !== prev || hash(row as never) !== row[13]) throw new Error("bench log is broken");
    prev = row[13] as string;
    n++;
  }
  return n;
}

export const benchCase: BenchCase = {
  id: "audit",
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    const reps = ctx.quick ? 1 : 3;
    const ms = ctx.quick ? 1000 : 3000;
    const group: { rate: number; p99: number; cpuUs: number }[] = [];
    const single: number[] = [];
    for (let r = 0; r < reps; r++) {
      // Interleaved, fresh files each time, so both see the same disk state.
      const a = join(ctx.tmpDir, `gc-${r}`);
      const b = join(ctx.tmpDir, `fsync-${r}`);
      group.push(await groupCommitRun(a, ms));
      single.push(perRecordRun(b, ms));
      rmSync(a, { recursive: true, force: true });
      rmSync(b, { recursive: true, force: true });
      ctx.log(`audit append round ${r + 1}/${reps} done`);
    }
    const gc = median(group.map((g) => g.rate));
    const base = median(single);
    // The machine is shared: the 1-minute load average next to each figure, as measured.
    const appendLoad = loadavg()[0] ?? 0;

    const n = ctx.quick ? 200_000 : 1_000_000;
    const dir = join(ctx.tmpDir, "verify");
    ctx.log(`filling a ${n}-record audit log`);
    fill(dir, n);
    const fast: number[] = [];
    const slow: number[] = [];
    const fastCpu: number[] = [];
    const slowCpu: number[] = [];
    for (let r = 0; r < reps; r++) {
      const db = openDatabase(join(dir, "labelgate.db"), { readonly: true });
      let t0 = monoMs();
      let c0 = process.cpuUsage();
      const res = await verifyChainParallel(db);
      fastCpu.push(cpuMicros(c0) / n);
      if (res.firstBad !== undefined || res.records !== n) throw new Error("verify failed");
      // Every chunk must have taken the fast path (a silent fallback would measure the slow one).
      if (res.rowWalkChunks !== 0) throw new Error(`${res.rowWalkChunks} chunks walked row by row`);
      fast.push(n / ((monoMs() - t0) / 1000));
      t0 = monoMs();
      c0 = process.cpuUsage();
      v0Walk(db);
      slowCpu.push(cpuMicros(c0) / n);
      slow.push(n / ((monoMs() - t0) / 1000));
      db.close();
    }
    const verifyLoad = loadavg()[0] ?? 0;
    rmSync(dir, { recursive: true, force: true });
    const v = median(fast);
    const v0 = median(slow);
    return [
      {
        name: `durable audit appends, group commit (${APPENDERS} concurrent appenders)`,
        unit: "records/s",
        median: Math.round(gc),
        p99: round(median(group.map((g) => g.p99)), 2),
        baseline: { name: "one transaction + fsync per record", median: Math.round(base) },
        ratio: round(gc / base, 1),
        target: { text: `≥ ${APPEND_TARGET} records/s`, met: gc >= APPEND_TARGET },
        note: `p99 is the append → durable latency in ms; CPU ${round(median(group.map((g) => g.cpuUs)), 1)} µs per durable append; load average ${appendLoad.toFixed(1)} (${cpus().length} cores)`,
      },
      {
        name: `audit verify, ${n.toLocaleString("en")} records (worker threads)`,
        unit: "records/s",
        median: Math.round(v),
        baseline: { name: "v0 walk (columns re-encoded in JS, 1 thread)", median: Math.round(v0) },
        ratio: round(v / v0, 2),
        target: { text: `≥ ${VERIFY_TARGET} records/s`, met: v >= VERIFY_TARGET },
        note: `chunked fast path, ${defaultThreads()} worker threads; CPU ${round(median(fastCpu), 2)} µs per record (v0 walk ${round(median(slowCpu), 2)} µs), i.e. ${Math.round(1e6 / median(fastCpu)).toLocaleString("en")} records per CPU-second; load average ${verifyLoad.toFixed(1)} (${cpus().length} cores)`,
      },
    ];
  },
};
