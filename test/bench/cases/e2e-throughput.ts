/**
 * End-to-end throughput (DESIGN.md §8, issue #10 case 1): producers publish `label.print` jobs
 * (QoS 1, at most 100 without PUBACK) as fast as the relay takes them; a job counts when its label
 * reached the simulated printer and — for labelgate — its `ok` reply arrived. Every part runs in
 * its own process over loopback: broker, printers (8 simulated ZT410s), relay, and the producer
 * (the runner).
 *
 * Relays, interleaved round by round so drift hits them alike: labelgate (durable inbox, audit,
 * privacy guard, compile, status read-back per label), the bare mqtt.js relay (the transport
 * ceiling), and Node-RED 4.1 (what a site would build instead). Brokers: aedes in its own
 * process; Debian's Mosquitto (tuned, one round) too when installed and not `--quick`.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import type { BenchCase, BenchContext, BenchResult } from "../types.ts";
import { freshJobs, measure, warmUp, type Measured } from "../lib/e2e.ts";
import { LoadProducer } from "../lib/producer.ts";
import {
  MOSQUITTO,
  startAedes,
  startBareRelay,
  startLabelgate,
  startMosquitto,
  startNodeRed,
  startSink,
  type Broker,
  type Relay,
} from "../lib/relays.ts";
import { median, round } from "../lib/stats.ts";

const DEVICES = 8;
const WINDOW = 100;
const TARGET = 5000;

type RelayKind = "labelgate" | "labelgate-tmpfs" | "bare" | "node-red";
/** tmpfs for the diagnostic run whose commits cost no fsync (absent: that run is skipped). */
const SHM = "/dev/shm";
const KINDS: RelayKind[] = [
  "bare",
  "node-red",
  "labelgate",
  ...(existsSync(SHM) ? (["labelgate-tmpfs"] as const) : []),
];
const LABEL: Record<RelayKind, string> = {
  labelgate: "labelgate",
  "labelgate-tmpfs": "labelgate, data dir on tmpfs",
  bare: "bare mqtt.js relay",
  "node-red": "Node-RED 4.1 flow",
};

async function startRelay(kind: RelayKind, dir: string, broker: Broker, ports: number[]) {
  switch (kind) {
    case "labelgate":
      return startLabelgate(dir, broker.url, ports);
    case "labelgate-tmpfs":
      return startLabelgate(dir, broker.url, ports, {
        dataDirRoot: mkdtempSync(join(SHM, "labelgate-bench-")),
      });
    case "bare":
      return startBareRelay(broker.url, ports);
    case "node-red":
      return startNodeRed(dir, broker.url, ports);
  }
}

async function runBroker(
  ctx: BenchContext,
  broker: Broker,
  jobs: number,
  rounds: number,
): Promise<Map<RelayKind, Measured[]>> {
  const sink = await startSink(DEVICES);
  const producer = await LoadProducer.connect(broker.url, `bench-producer-${process.pid}`);
  const out = new Map<RelayKind, Measured[]>(
    (["bare", "node-red", "labelgate", "labelgate-tmpfs"] as const).map((k) => [k, []]),
  );
  try {
    for (let r = 0; r < rounds; r++) {
      for (const kind of KINDS) {
        const dir = join(ctx.tmpDir, `e2e-${broker.name}-${kind}-${r}`);
        const relay: Relay & { dataDir?: string } = await startRelay(kind, dir, broker, sink.ports);
        try {
          await warmUp(producer, sink, relay, DEVICES, Math.min(1000, jobs));
          const m = await measure(
            producer,
            sink,
            relay,
            freshJobs(jobs, DEVICES),
            WINDOW,
            broker.child.pid,
            // Slow relays get time to finish (40 ms a job), so a slow run is measured, not cut.
            Math.max(120_000, jobs * 40),
          );
          out.get(kind)!.push(m);
          if (m.delivered < m.jobs) {
            // Say why, from the relay's own log (labelgate logs JSON lines; warn and worse).
            const bad = relay.child
              .stderr()
              .split("\n")
              .filter((l) => /"level":[4-6]0/.test(l));
            ctx.log(
              `${LABEL[kind]}: ${m.jobs - m.delivered} jobs not delivered in time; ` +
                `${bad.length} warnings in its log${bad.length > 0 ? `, first: ${bad[0]!.slice(0, 400)}` : ""}`,
            );
          }
          ctx.log(
            `${broker.name} ${LABEL[kind]} round ${r + 1}: ${round(m.jobsPerS)} jobs/s, ` +
              `${m.delivered}/${m.jobs} delivered, ${m.duplicates} duplicate labels, ` +
              `CPU µs/job relay ${round(m.relayCpuUs)} broker ${round(m.brokerCpuUs)}`,
          );
        } finally {
          await relay.child.stop();
          if (relay.dataDir?.startsWith(SHM) === true)
            rmSync(dirname(relay.dataDir), { recursive: true, force: true });
        }
      }
    }
  } finally {
    await producer.close();
    await sink.child.stop();
  }
  return out;
}

function rows(brokerName: string, m: Map<RelayKind, Measured[]>): BenchResult[] {
  const med = (k: RelayKind, f: (x: Measured) => number) => median(m.get(k)!.map(f));
  const tput = (k: RelayKind) => med(k, (x) => x.jobsPerS);
  const cpu = (k: RelayKind) => med(k, (x) => x.relayCpuUs);
  const lost = (k: RelayKind) =>
    m.get(k)!.reduce((s, x) => s + (x.jobs - x.delivered), 0) +
    m.get(k)!.reduce((s, x) => s + x.duplicates, 0);
  const runs = m.get("labelgate")!.length;
  const bare = { name: `bare mqtt.js relay, ${brokerName}`, median: round(tput("bare")) };
  const nr = { name: `Node-RED 4.1 flow, ${brokerName}`, median: round(tput("node-red")) };
  const lg = tput("labelgate");
  const deliveryNote = (k: RelayKind) =>
    lost(k) === 0 ? "every job delivered once" : `${lost(k)} jobs lost or duplicated`;
  return [
    {
      name: `e2e throughput (labelgate, ${brokerName})`,
      unit: "jobs/s",
      median: round(lg),
      baseline: bare,
      ratio: round(lg / bare.median),
      target: { text: `≥ ${TARGET} jobs/s`, met: lg >= TARGET },
      note:
        `${DEVICES} printers, window ${WINDOW}, ${runs} run(s); durable inbox + audit + ok reply; ` +
        `${deliveryNote("labelgate")}`,
    },
    {
      name: `e2e throughput (labelgate vs Node-RED, ${brokerName})`,
      unit: "jobs/s",
      median: round(lg),
      baseline: nr,
      ratio: round(lg / nr.median),
      note: `Node-RED: ${deliveryNote("node-red")}; it validates and stores nothing`,
    },
    {
      name: `e2e throughput (Node-RED 4.1 flow, ${brokerName})`,
      unit: "jobs/s",
      median: nr.median,
      baseline: bare,
      ratio: round(nr.median / bare.median),
      note: `bare relay: ${deliveryNote("bare")}`,
    },
    ...(m.get("labelgate-tmpfs")!.length > 0
      ? [
          {
            name: `e2e throughput (labelgate, data dir on tmpfs, ${brokerName})`,
            unit: "jobs/s",
            median: round(tput("labelgate-tmpfs")),
            baseline: { name: `labelgate, ${brokerName}`, median: round(lg) },
            ratio: round(tput("labelgate-tmpfs") / lg),
            note:
              "diagnostic, NOT durable: fsync is free on tmpfs, so this is what the same code " +
              "does once commits stop costing a disk flush each (the ceiling for group commit); " +
              `relay CPU ${round(cpu("labelgate-tmpfs"))} µs/job`,
          },
        ]
      : []),
    {
      name: `relay CPU per job (labelgate, ${brokerName})`,
      unit: "µs/job",
      median: round(cpu("labelgate")),
      baseline: { name: `bare mqtt.js relay, ${brokerName}`, median: round(cpu("bare")) },
      ratio: round(cpu("labelgate") / cpu("bare")),
      note:
        `smaller is better; Node-RED ${round(cpu("node-red"))} µs/job; broker ` +
        `${round(med("labelgate", (x) => x.brokerCpuUs))} µs/job under labelgate ` +
        `(4 publishes per job: accepted, ok, 2 events)`,
    },
  ];
}

export const benchCase: BenchCase = {
  id: "e2e-throughput",
  async run(ctx) {
    const jobs = ctx.quick ? 2000 : 5000;
    const rounds = ctx.quick ? 1 : 3;
    const results: BenchResult[] = [];
    const aedes = await startAedes();
    try {
      results.push(...rows("aedes", await runBroker(ctx, aedes, jobs, rounds)));
    } finally {
      await aedes.child.stop();
    }
    if (!ctx.quick && existsSync(MOSQUITTO)) {
      const mosq = await startMosquitto(join(ctx.tmpDir, "mosquitto"));
      try {
        results.push(...rows("mosquitto", await runBroker(ctx, mosq, jobs, 1)));
      } finally {
        await mosq.child.stop();
      }
    }
    return results;
  },
};
