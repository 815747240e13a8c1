/**
 * Latency at a fixed rate (DESIGN.md §8, issue #10 case 2): 500 jobs/s (the target's rate) and
 * 50 jobs/s (a busy site's rate) over 8 printers, every
 * part in its own process on loopback (aedes broker, printers, relay, producer = the runner).
 * Per job: publish → its label's first chunk at the simulated printer, and publish → `ok` reply
 * at the producer. Both clocks are the host's monotonic clock.
 *
 * Baseline: the bare mqtt.js relay with `--reply` (write the label, publish `ok`) on the same
 * broker — the broker hops and the socket write without any gateway work. The gateway-added p99
 * is estimated as p99(labelgate, publish → printer) − median(baseline, publish → printer): the
 * time labelgate adds between receipt and the first byte, charged with all of the tail.
 */
import { join } from "node:path";
import type { BenchCase, BenchContext, BenchResult } from "../types.ts";
import { freshJobs, measureLatency, warmUp, type LatencyRun } from "../lib/e2e.ts";
import { LoadProducer } from "../lib/producer.ts";
import {
  startAedes,
  startBareRelay,
  startLabelgate,
  startSink,
  type Relay,
} from "../lib/relays.ts";
import { median, percentile, round } from "../lib/stats.ts";

const DEVICES = 8;
/** The DESIGN.md §8 rate, and a busy site's real rate (well under 100 labels/s per gateway). */
const RATES = [500, 50] as const;
const TARGET_MS = 5;

async function atRate(ctx: BenchContext, rate: number): Promise<BenchResult[]> {
  // Quick: 1,000 jobs at 500/s (a slow gateway drains its backlog for a while), 200 at 50/s.
  const seconds = ctx.quick ? (rate >= 500 ? 2 : 4) : rate >= 500 ? 6 : 20;
  const rounds = ctx.quick ? 1 : 2;
  const broker = await startAedes();
  const sink = await startSink(DEVICES);
  const producer = await LoadProducer.connect(broker.url, `bench-latency-${process.pid}`);
  const runs: Record<"labelgate" | "bare", LatencyRun[]> = { labelgate: [], bare: [] };
  try {
    for (let r = 0; r < rounds; r++) {
      for (const kind of ["bare", "labelgate"] as const) {
        const relay: Relay =
          kind === "bare"
            ? await startBareRelay(broker.url, sink.ports, true)
            : await startLabelgate(
                join(ctx.tmpDir, `latency-${rate}-${r}`),
                broker.url,
                sink.ports,
              );
        try {
          await warmUp(producer, sink, relay, DEVICES, 300);
          const run = await measureLatency(
            producer,
            sink,
            relay,
            freshJobs(rate * seconds, DEVICES),
            rate,
          );
          runs[kind].push(run);
          ctx.log(
            `${rate} jobs/s, ${relay.name} round ${r + 1}: ${run.delivered}/${run.jobs} delivered; ` +
              `to printer p50 ${round(median(run.toPrinter))} p99 ` +
              `${round(percentile(run.toPrinter, 0.99))} ms; to ok p50 ` +
              `${round(median(run.toOk))} p99 ${round(percentile(run.toOk, 0.99))} ms`,
          );
        } finally {
          await relay.child.stop();
        }
      }
    }
  } finally {
    await producer.close();
    await sink.child.stop();
    await broker.child.stop();
  }
  // Medians over rounds of each round's median and p99.
  const stat = (kind: "labelgate" | "bare", f: (r: LatencyRun) => number[]) => ({
    median: round(median(runs[kind].map((r) => median(f(r))))),
    p99: round(median(runs[kind].map((r) => percentile(f(r), 0.99)))),
  });
  const lgP = stat("labelgate", (r) => r.toPrinter);
  const bareP = stat("bare", (r) => r.toPrinter);
  const lgOk = stat("labelgate", (r) => r.toOk);
  const bareOk = stat("bare", (r) => r.toOk);
  const added = round(lgP.p99 - bareP.median);
  const lost = runs.labelgate.reduce((s, r) => s + r.jobs - r.delivered, 0);
  return [
    {
      name: `latency publish → label at printer (labelgate, ${rate} jobs/s)`,
      unit: "ms",
      ...lgP,
      baseline: { name: "bare mqtt.js relay, aedes", ...bareP },
      ratio: round(lgP.median / bareP.median),
      target: { text: `gateway-added p99 ≤ ${TARGET_MS} ms`, met: added <= TARGET_MS },
      note:
        `gateway-added p99 ≈ ${added} ms (p99 labelgate − median baseline); ` +
        `${DEVICES} printers, ${seconds} s per round, ${rounds} round(s)` +
        (lost > 0 ? `; ${lost} jobs not delivered in time` : ""),
    },
    {
      name: `latency publish → ok reply (labelgate, ${rate} jobs/s)`,
      unit: "ms",
      ...lgOk,
      baseline: { name: "bare mqtt.js relay + reply, aedes", ...bareOk },
      ratio: round(lgOk.median / bareOk.median),
      note: "ok = printed, confirmed by status read-back (~HS) and audited; baseline ok = written",
    },
  ];
}

export const benchCase: BenchCase = {
  id: "latency",
  async run(ctx) {
    const results: BenchResult[] = [];
    for (const rate of RATES) results.push(...(await atRate(ctx, rate)));
    return results;
  },
};
