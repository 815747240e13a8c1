/**
 * Access control and privacy costs (issue #8), each next to a baseline from the same run:
 * - the privacy guard (field allow-list + guardWaybillData) per job, next to JSON.parse of the
 *   same envelope (which every job pays anyway);
 * - the admission rules with waybill life cycle (operator read, history read, event insert; audit
 *   not included) in batches of 100 jobs per transaction as group commit runs them, next to one
 *   plain INSERT per job in the same batches on the same database;
 * - CONNECTs per second to the embedded broker with scrypt authentication, next to anonymous
 *   CONNECTs to the same broker code (scrypt N=2^15 is deliberately slow: it bounds how fast a
 *   reconnect storm of scanners is admitted).
 */
import { join } from "node:path";
import mqtt from "mqtt";
import { createAdmission } from "../../../src/access/admission.ts";
import { createApprovalStore } from "../../../src/access/approvals.ts";
import { createBrokerAccess } from "../../../src/access/broker-access.ts";
import { createClientStore } from "../../../src/access/clients.ts";
import { createLockdownStore } from "../../../src/access/lockdown.ts";
import { createOperatorStore } from "../../../src/access/operators.ts";
import { createWaybillStore } from "../../../src/access/waybills.ts";
import { accessSchema } from "../../../src/config/access-schema.ts";
import { loadOrCreateKeys } from "../../../src/crypto/keys.ts";
import { openDatabase } from "../../../src/db/open.ts";
import { parseEnvelope } from "../../../src/jobs/envelope.ts";
import { startEmbeddedBroker } from "../../../src/mqtt/broker.ts";
import {
  checkAllowedFields,
  guardWaybillData,
  WAYBILL_100X150_FIELDS,
} from "../../../src/privacy/index.ts";
import { median, monoMs, round } from "../lib/stats.ts";
import type { BenchCase, BenchResult } from "../types.ts";

const ENVELOPE = {
  v: 1,
  job_id: "01JD3K6W9Q2S7T5V8X0Y1Z2A3B",
  kind: "label.print",
  operator: "E10293",
  payload: {
    template: "waybill-100x150",
    copies: 1,
    data: {
      waybill_no: "SF1234567890123",
      carrier: "SF",
      sort_code: "571-A12-03",
      destination: "杭州转运中心",
      recipient: { name: "张*", phone: "138******78", address: "浙江省杭州市余杭区****" },
      sender: { name: "李**", phone: "*******5678", address: "广东省深圳市南山区****" },
      item: { category: "日用品", weight_g: 1200, pieces: 1 },
    },
  },
};

/** Runs `fn` n times, `reps` times over; the median rate in operations per second. */
function rate(n: number, reps: number, fn: (i: number) => void): number {
  const rates: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = monoMs();
    for (let i = 0; i < n; i++) fn(i);
    rates.push(n / ((monoMs() - t0) / 1000));
  }
  return median(rates);
}

async function connects(url: string, n: number, auth: boolean): Promise<number> {
  const t0 = monoMs();
  for (let i = 0; i < n; i++) {
    const c = await mqtt.connectAsync(url, {
      protocolVersion: 4,
      reconnectPeriod: 0,
      clientId: `bench-${i}`,
      ...(auth && { username: "ws-12", password: "ws12-secret-pw" }),
    });
    await c.endAsync(true);
  }
  return n / ((monoMs() - t0) / 1000);
}

export const benchCase: BenchCase = {
  id: "access",
  async run(ctx) {
    const n = ctx.quick ? 2_000 : 20_000;
    const reps = ctx.quick ? 3 : 5;
    const results: BenchResult[] = [];
    const bytes = new TextEncoder().encode(JSON.stringify(ENVELOPE));

    const data = ENVELOPE.payload.data as Record<string, unknown>;
    const guard = rate(n, reps, () => {
      checkAllowedFields(data, WAYBILL_100X150_FIELDS);
      guardWaybillData(data, { phoneMinHidden: 6, now: 0 });
    });
    const parse = rate(n, reps, () => parseEnvelope(bytes));
    results.push({
      name: "privacy guard per job (allow-list + guard)",
      unit: "jobs/s",
      median: Math.round(guard),
      baseline: { name: "envelope JSON.parse + schema", median: Math.round(parse) },
      ratio: round(guard / parse, 3),
      note: "higher is better; ratio > 1: the guard costs less than parsing the envelope",
    });

    const db = openDatabase(join(ctx.tmpDir, "access.db"));
    const keys = loadOrCreateKeys(ctx.tmpDir);
    const operators = createOperatorStore(db);
    await operators.add("E10293", "operator", 0);
    const admission = createAdmission({
      operators,
      approvals: createApprovalStore(db, operators),
      lockdown: createLockdownStore(db, operators),
      waybills: createWaybillStore(db, keys),
      access: accessSchema.parse({}),
      carriers: [{ carrier: "SF", prefixes: ["SF"], ranges: [] }],
      lifeCycle: true,
      privacy: { phone_min_hidden: 6, remask_phones: false },
      audit: () => {},
    });
    const env = parseEnvelope(bytes);
    const m = ctx.quick ? 500 : 5_000;
    // As in the daemon, jobs are admitted inside group-commit batches: 100 jobs per transaction.
    const BATCH = 100;
    let seq = 0; // a fresh number per job across repetitions: every job is a first print
    const admit =
      BATCH *
      rate(m / BATCH, reps, (i) =>
        db.transaction(() => {
          for (let j = 0; j < BATCH; j++) {
            const e = { ...env, job_id: `job-${++seq}` };
            admission.precheck(e);
            admission.admit(e, "zpl-1", `SF${1000000000000 + seq}`, i);
          }
        })(),
      );
    db.exec("CREATE TABLE bench_plain (id INTEGER PRIMARY KEY, v TEXT)");
    const insert = db.prepare("INSERT INTO bench_plain (v) VALUES (?)");
    const plain =
      BATCH *
      rate(m / BATCH, reps, (i) =>
        db.transaction(() => {
          for (let j = 0; j < BATCH; j++) insert.run(`v${i}-${j}`);
        })(),
      );
    db.close();
    results.push({
      name: "admission with waybill life cycle, per job",
      unit: "jobs/s",
      median: Math.round(admit),
      baseline: { name: "one plain INSERT per job, same batches", median: Math.round(plain) },
      ratio: round(admit / plain, 3),
      note: "higher is better; 100 jobs per transaction (group commit), synchronous = FULL on both",
    });

    const cdb = openDatabase(join(ctx.tmpDir, "clients.db"));
    const clients = createClientStore(cdb);
    await clients.add("ws-12", "workstation", "ws12-secret-pw", 0);
    const broker = await startEmbeddedBroker({
      host: "127.0.0.1",
      port: 0,
      access: createBrokerAccess({
        clients,
        site: "labelgate/demo",
        allowAnonymous: true,
        internal: { username: "labelgate-gw1", password: "x".repeat(32) },
      }),
    });
    const url = `mqtt://127.0.0.1:${broker.port}`;
    const k = ctx.quick ? 10 : 50;
    const authed = await connects(url, k, true);
    const anon = await connects(url, k, false);
    await broker.close();
    cdb.close();
    results.push({
      name: "broker CONNECT with scrypt authentication",
      unit: "connects/s",
      median: round(authed, 3),
      baseline: { name: "anonymous CONNECT, same broker", median: round(anon, 3) },
      ratio: round(authed / anon, 3),
      note: "sequential connects; scrypt N=2^15 r=8 (32 MiB) per password check",
    });
    return results;
  },
};
