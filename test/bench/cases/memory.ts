/**
 * Resident memory and start-up (DESIGN.md §8, issue #10 case 6): labelgate with 64 simulated ZPL
 * printers that all report paper out, so every job is accepted, stored and held on its device's
 * queue; 10,000 jobs are published (QoS 1, window 100) and the daemon's resident set is read
 * from /proc once the last PUBACK came back (a PUBACK follows the inbox commit).
 *
 * Baselines from the same run: the same daemon idle (64 devices, no jobs) for memory, and the
 * bare mqtt.js relay (spawn → subscribed, same tsx loader) for the start-up time to `online`.
 */
import { join } from "node:path";
import type { BenchCase, BenchResult } from "../types.ts";
import { freshJobs } from "../lib/e2e.ts";
import { rssMiB } from "../lib/procs.ts";
import { LoadProducer } from "../lib/producer.ts";
import { startAedes, startBareRelay, startLabelgate, startSink } from "../lib/relays.ts";
import { median, round } from "../lib/stats.ts";

const DEVICES = 64;
const JOBS = 10_000;
const TARGET_MB = 150;
const MiB_PER_MB = 1e6 / 2 ** 20;

export const benchCase: BenchCase = {
  id: "memory",
  async run(ctx) {
    const rounds = ctx.quick ? 1 : 2;
    const broker = await startAedes();
    const sink = await startSink(DEVICES);
    await sink.child.call({ type: "fault", condition: "media_out", on: true });
    const producer = await LoadProducer.connect(broker.url, `bench-memory-${process.pid}`);
    const idle: number[] = [];
    const loaded: number[] = [];
    const peak: number[] = [];
    const startup: number[] = [];
    const bareStartup: number[] = [];
    /** Node + tsx + mqtt.js with 64 sockets: the floor any TypeScript relay starts from. */
    const bareRss: number[] = [];
    let accepted = 0;
    try {
      for (let r = 0; r < rounds; r++) {
        const bare = await startBareRelay(broker.url, sink.ports);
        bareStartup.push(bare.startupMs ?? Number.NaN);
        bareRss.push(rssMiB(bare.child.pid).rss);
        await bare.child.stop();
        const lg = await startLabelgate(join(ctx.tmpDir, `memory-${r}`), broker.url, sink.ports);
        try {
          startup.push(lg.startupMs);
          // Every device answered its first status request (held for paper out) before idle RSS.
          await producer.windowed(freshJobs(DEVICES, DEVICES), DEVICES);
          idle.push(rssMiB(lg.child.pid).rss);
          const run = await producer.windowed(freshJobs(JOBS, DEVICES), 100);
          const m = rssMiB(lg.child.pid);
          loaded.push(m.rss);
          peak.push(m.peak);
          accepted = run.statuses["accepted"] ?? 0;
          ctx.log(
            `round ${r + 1}: start-up ${round(lg.startupMs)} ms (bare relay ` +
              `${round(bare.startupMs ?? Number.NaN)} ms); RSS idle ${round(idle[r]!)} MiB, ` +
              `with ${JOBS} held jobs ${round(m.rss)} MiB (peak ${round(m.peak)} MiB); ` +
              `${accepted} accepted replies so far`,
          );
        } finally {
          await lg.child.stop();
        }
      }
    } finally {
      await producer.close();
      await sink.child.stop();
      await broker.child.stop();
    }
    const mb = (mib: number) => round(mib / MiB_PER_MB);
    const rss = mb(median(loaded));
    const results: BenchResult[] = [
      {
        name: `resident memory (labelgate, ${DEVICES} devices, ${JOBS} queued jobs)`,
        unit: "MB",
        median: rss,
        baseline: { name: `labelgate idle, ${DEVICES} devices`, median: mb(median(idle)) },
        ratio: round(rss / mb(median(idle))),
        target: { text: `≤ ${TARGET_MB} MB`, met: rss <= TARGET_MB },
        note:
          `VmRSS after the last PUBACK; peak (VmHWM) ${mb(median(peak))} MB; the bare relay ` +
          `(Node + tsx loader + mqtt.js, 64 sockets) idles at ${mb(median(bareRss))} MB; every ` +
          `device held by paper out; ${rounds} round(s)`,
      },
      {
        name: `start-up to online (labelgate, ${DEVICES} devices)`,
        unit: "ms",
        median: round(median(startup)),
        baseline: {
          name: "bare mqtt.js relay, spawn → subscribed",
          median: round(median(bareStartup)),
        },
        ratio: round(median(startup) / median(bareStartup)),
        note: "spawn of `labelgate start --config` → retained online state; both run under tsx",
      },
    ];
    return results;
  },
};
