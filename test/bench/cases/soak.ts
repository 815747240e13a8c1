/**
 * Soak (issue #9 §5): a long mixed run against one daemon — a steady stream of label jobs from a
 * retrying producer, with printer faults (paper out, head open, silence), dropped printer
 * connections and producer reconnects injected on a schedule. Reports the daemon's resident
 * memory at the start (after warm-up; the baseline) and at the end, the queue length at the end,
 * and the exactly-once tally of the fault suite's checker (printed twice and lost must be 0).
 * Full run 10 minutes; `--quick` 40 seconds. Labels only: RFID and e-paper jobs are not mixed in
 * yet (see the note).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../../helpers/net.ts";
import { DaemonProcess, PrinterProcess, writeDaemonConfig } from "../../faults/helpers/harness.ts";
import { RetryingProducer, tally } from "../../faults/helpers/producer.ts";
import { rssMiB } from "../lib/procs.ts";
import { round } from "../lib/stats.ts";
import type { BenchCase, BenchResult } from "../types.ts";

const RATE_PER_S = 40;

export const benchCase: BenchCase = {
  id: "soak",
  async run(ctx) {
    const durationMs = ctx.quick ? 40_000 : 600_000;
    const dir = join(ctx.tmpDir, "soak");
    mkdirSync(dir, { recursive: true });
    const printer = await PrinterProcess.start(join(dir, "printed.log"));
    const mqttPort = await freePort();
    const dataDir = join(dir, "data");
    const configFile = join(dir, "labelgate.yaml");
    writeDaemonConfig(configFile, { dataDir, mqttPort, printerPort: printer.port });
    const daemon = new DaemonProcess(configFile);
    await daemon.start();
    const producer = new RetryingProducer(`mqtt://127.0.0.1:${mqttPort}`, "soak-producer");
    await producer.connect();
    const runTag = `S${Date.now().toString(36).toUpperCase()}`;
    let submitted = 0;
    const faults = ["fault media_out", "drop", "fault head_open", "silent", "reconnect"] as const;
    try {
      const started = Date.now();
      let rssStart = Number.NaN;
      let nextFault = started + 10_000;
      let faultIndex = 0;
      while (Date.now() - started < durationMs) {
        for (let i = 0; i < RATE_PER_S / 10; i++) producer.submit(submitted++, runTag);
        await new Promise((r) => setTimeout(r, 100));
        if (Number.isNaN(rssStart) && Date.now() - started > 5_000)
          rssStart = rssMiB(daemon.pid!).rss;
        if (Date.now() >= nextFault) {
          const f = faults[faultIndex++ % faults.length]!;
          ctx.log(
            `soak: ${f} at ${Math.round((Date.now() - started) / 1000)} s, ${submitted} jobs so far`,
          );
          if (f === "drop") await printer.command("drop");
          // The producer goes away and comes back: its retries carry the same job_ids.
          else if (f === "reconnect") await producer.reconnect();
          else {
            await printer.command(f === "silent" ? "silent on" : `${f} on`);
            await new Promise((r) => setTimeout(r, 2000));
            await printer.command(f === "silent" ? "silent off" : `${f} off`);
          }
          nextFault = Date.now() + (ctx.quick ? 6_000 : 20_000);
        }
      }
      await producer.settle(180_000);
      const rssEnd = rssMiB(daemon.pid!).rss;
      const t = tally(producer.jobs.values(), printer.printed());
      ctx.log(`soak tally: ${JSON.stringify(t)}`);
      const seconds = durationMs / 1000;
      const results: BenchResult[] = [
        {
          name: `soak resident memory at the end (${seconds} s, ${t.sent} jobs, faults every ${ctx.quick ? 6 : 20} s)`,
          unit: "MiB",
          median: round(rssEnd, 1),
          baseline: { name: "the same daemon after 5 s of the run", median: round(rssStart, 1) },
          ratio: round(rssEnd / rssStart, 2),
          target: { text: "no unbounded growth (≤ 1.5× the start)", met: rssEnd <= rssStart * 1.5 },
        },
        {
          name: "soak exactly-once tally: printed twice + lost",
          unit: "jobs",
          median: t.printedTwice + t.lost,
          baseline: { name: "jobs sent", median: t.sent },
          target: { text: "0", met: t.printedTwice + t.lost === 0 },
          note: `printed once ${t.printedOnce}, in doubt ${t.inDoubt} (reported), refused ${JSON.stringify(t.refused)}`,
        },
      ];
      return results;
    } finally {
      await producer.close();
      await daemon.kill("SIGTERM");
      await printer.stop();
    }
  },
};
