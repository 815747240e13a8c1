/**
 * Soak (issue #9 §5): a long mixed run against one daemon — a steady stream of label jobs (a ZPL
 * printer in its own process), RFID bag encodes (a simulated R2000 encoder) and e-paper bag-tag
 * updates (a simulated OpenEPaperLink AP and tag), from a retrying producer, with printer faults
 * (paper out, head open, silence), dropped printer connections and producer reconnects injected
 * on a schedule. Reports the daemon's resident memory after warm-up (the baseline) and at the
 * end, the device queue lengths before the run (the baseline), at their peak and at the end
 * (`labelgate_queue_length` from /metrics), and the exactly-once tally per kind: labels by the
 * fault suite's checker (printed twice and lost must be 0); encodes and updates by their outcome
 * against what the simulated encoder wrote and what the tag showed.
 * Full run 10 minutes; `--quick` 40 seconds.
 */
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../helpers/net.ts";
import { DaemonProcess, PrinterProcess, writeDaemonConfig } from "../../faults/helpers/harness.ts";
import { RetryingProducer, tally, type JobRecord } from "../../faults/helpers/producer.ts";
import { rssMiB } from "../lib/procs.ts";
import { round } from "../lib/stats.ts";
import type { BenchCase, BenchResult } from "../types.ts";

/**
 * Labels per second: ten times what one real 4-inch printer prints (150 mm labels at 300 mm/s).
 * At 40/s on a loaded 2-core box the simulated printer falls behind during every fault and the
 * retrying producer's duplicates of the backlog slow the drain further: the full run ended with
 * 4,500–5,400 jobs unanswered after 3 minutes, with or without the label-counter read.
 */
const LABELS_PER_S = 20;
/** One RFID encode every this many 100 ms ticks (2/s), one e-paper update every … (0.5/s). */
const RFID_EVERY = 5;
const EPAPER_EVERY = 20;

const example = (name: string): Record<string, unknown> =>
  JSON.parse(
    readFileSync(fileURLToPath(new URL(`../../../examples/jobs/${name}`, import.meta.url)), "utf8"),
  ) as Record<string, unknown>;

/** `labelgate_queue_length` per device from the daemon's /metrics. */
async function queueLengths(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^labelgate_queue_length\{device="([^"]+)"\} (\d+)/gm))
    out[m[1] ?? ""] = Number(m[2]);
  return out;
}
const total = (q: Record<string, number>): number => Object.values(q).reduce((a, b) => a + b, 0);

const files = (dir: string, ext: string): number => {
  try {
    return readdirSync(dir).filter((f) => f.endsWith(ext)).length;
  } catch {
    return 0;
  }
};

/**
 * Distinct EPCs the simulated encoder's tag held over the run (its memory is written as
 * `<n>.json` after every write command, several per encode): one per bag encoded.
 */
function epcsWritten(dir: string): number {
  const seen = new Set<string>();
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith(".json"));
  } catch {
    return 0;
  }
  for (const f of names) {
    const m = JSON.parse(readFileSync(join(dir, f), "utf8")) as { tags?: Array<{ epc?: string }> };
    for (const t of m.tags ?? []) if (t.epc !== undefined && !/^0+$/.test(t.epc)) seen.add(t.epc);
  }
  return seen.size;
}

/** Outcomes of the jobs of one kind: ok, in doubt, refused (by code), without a final answer. */
function outcomes(jobs: JobRecord[]): {
  sent: number;
  ok: number;
  inDoubt: number;
  refused: Record<string, number>;
  lost: number;
} {
  const r = {
    sent: jobs.length,
    ok: 0,
    inDoubt: 0,
    refused: {} as Record<string, number>,
    lost: 0,
  };
  for (const j of jobs) {
    if (j.final === "ok") r.ok++;
    else if (j.final === "in_doubt") r.inDoubt++;
    else if (j.final === undefined) r.lost++;
    else {
      const k = `${j.final}:${j.errorCode ?? "?"}`;
      r.refused[k] = (r.refused[k] ?? 0) + 1;
    }
  }
  return r;
}

export const benchCase: BenchCase = {
  id: "soak",
  async run(ctx) {
    const durationMs = ctx.quick ? 40_000 : 600_000;
    const dir = join(ctx.tmpDir, "soak");
    mkdirSync(dir, { recursive: true });
    const printer = await PrinterProcess.start(join(dir, "printed.log"));
    const mqttPort = await freePort();
    const httpPort = await freePort();
    const dataDir = join(dir, "data");
    const configFile = join(dir, "labelgate.yaml");
    writeDaemonConfig(configFile, {
      dataDir,
      mqttPort,
      printerPort: printer.port,
      extraDevices: `  - id: uhf-1
    driver: uhf-r2000
    simulator: true
    transport: { type: tcp, host: 127.0.0.1, port: 0 }
    status_poll_ms: 1000
    status_timeout_ms: 500
    confirm_timeout_ms: 1000
  - id: epaper-1
    driver: oepl-ap
    simulator: true
    status_poll_ms: 1000
    transport: { type: oepl, mac: "0000021EDE2A3B01", hw_type: 1, sim_checkin_ms: 300, checkin_grace_ms: 2000 }
`,
      extra: `rfid: { access_password: "5A17C0DE" }
http: { enabled: true, host: 127.0.0.1, port: ${httpPort} }
`,
    });
    const daemon = new DaemonProcess(configFile);
    await daemon.start();
    const web = `http://127.0.0.1:${httpPort}`;
    const producer = new RetryingProducer(`mqtt://127.0.0.1:${mqttPort}`, "soak-producer");
    await producer.connect();
    const runTag = `S${Date.now().toString(36).toUpperCase()}`;
    const rfidJob = example("rfid-encode-bag.json");
    const epaperJob = example("epaper-update.json");
    const rfidJobs: JobRecord[] = [];
    const epaperJobs: JobRecord[] = [];
    const labelJobs: JobRecord[] = [];
    let submitted = 0;
    let ticks = 0;
    const faults = ["fault media_out", "drop", "fault head_open", "silent", "reconnect"] as const;
    try {
      const queueBefore = await queueLengths(web);
      const started = Date.now();
      let rssStart = Number.NaN;
      let rssMid = Number.NaN;
      let queuePeak = 0;
      let nextSample = started + 1000;
      let nextFault = started + 10_000;
      let faultIndex = 0;
      while (Date.now() - started < durationMs) {
        for (let i = 0; i < LABELS_PER_S / 10; i++)
          labelJobs.push(producer.submit(submitted++, runTag));
        ticks++;
        if (ticks % RFID_EVERY === 0) {
          const n = rfidJobs.length;
          const bag = String(100_000 + n);
          rfidJobs.push(
            producer.submitEnvelope(
              `${runTag}R${String(n).padStart(6, "0")}`,
              bag,
              { ...rfidJob, payload: { rfid: { bag_no: bag } } },
              "labelgate/demo/device/uhf-1/job",
            ),
          );
        }
        if (ticks % EPAPER_EVERY === 0) {
          const n = epaperJobs.length;
          const bag = `BAG${String(5_710_000 + n)}`;
          const payload = epaperJob["payload"] as { data: Record<string, unknown> };
          epaperJobs.push(
            producer.submitEnvelope(
              `${runTag}E${String(n).padStart(6, "0")}`,
              bag,
              { ...epaperJob, payload: { ...payload, data: { ...payload.data, bag_no: bag } } },
              "labelgate/demo/device/epaper-1/job",
            ),
          );
        }
        await new Promise((r) => setTimeout(r, 100));
        if (Number.isNaN(rssStart) && Date.now() - started > 5_000)
          rssStart = rssMiB(daemon.pid!).rss;
        if (Number.isNaN(rssMid) && Date.now() - started > durationMs / 2)
          rssMid = rssMiB(daemon.pid!).rss;
        if (Date.now() >= nextSample) {
          queuePeak = Math.max(queuePeak, total(await queueLengths(web)));
          nextSample = Date.now() + 1000;
        }
        if (Date.now() >= nextFault) {
          const f = faults[faultIndex++ % faults.length]!;
          ctx.log(
            `soak: ${f} at ${Math.round((Date.now() - started) / 1000)} s, ${submitted} labels so far`,
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
      await producer.settle(300_000);
      // Every job has its answer: the queues must be back where they started.
      let queueEnd = await queueLengths(web);
      for (let i = 0; i < 100 && total(queueEnd) > total(queueBefore); i++) {
        await new Promise((r) => setTimeout(r, 100));
        queueEnd = await queueLengths(web);
      }
      const { rss: rssEnd, peak: rssPeak } = rssMiB(daemon.pid!);
      const t = tally(labelJobs, printer.printed());
      const rfid = outcomes(rfidJobs);
      const epaper = outcomes(epaperJobs);
      const encoded = epcsWritten(join(dataDir, "sim", "uhf-1"));
      const shown = files(join(dataDir, "sim", "epaper-1"), ".png");
      ctx.log(`soak labels: ${JSON.stringify(t)}`);
      ctx.log(`soak rfid.encode: ${JSON.stringify(rfid)}; distinct EPCs written ${encoded}`);
      ctx.log(`soak epaper.update: ${JSON.stringify(epaper)}; tag showed ${shown} images`);
      ctx.log(
        `soak queues: before ${JSON.stringify(queueBefore)}, peak ${queuePeak}, end ${JSON.stringify(queueEnd)}; RSS ${round(rssStart, 4)} → ${round(rssMid, 4)} (half-way) → ${round(rssEnd, 4)} MiB, peak ${round(rssPeak, 4)}`,
      );
      const seconds = durationMs / 1000;
      const mixed = `${t.sent} labels, ${rfid.sent} encodes, ${epaper.sent} e-paper updates`;
      const results: BenchResult[] = [
        {
          name: `soak resident memory at the end (${seconds} s, ${mixed}, faults every ${ctx.quick ? 6 : 20} s)`,
          unit: "MiB",
          median: round(rssEnd, 4),
          baseline: { name: "the same daemon after 5 s of the run", median: round(rssStart, 4) },
          ratio: round(rssEnd / rssStart, 3),
          target: { text: "no unbounded growth (≤ 1.5× the start)", met: rssEnd <= rssStart * 1.5 },
          note: `half-way ${round(rssMid, 4)} MiB, peak ${round(rssPeak, 4)} MiB; the second half grew ${round(rssEnd - rssMid, 3)} MiB`,
        },
        {
          name: "soak queue length at the end (all devices)",
          unit: "jobs",
          median: total(queueEnd),
          baseline: { name: "before the run", median: total(queueBefore) },
          target: {
            text: "back to the baseline",
            met: total(queueEnd) === total(queueBefore),
          },
          note: `peak during the run ${queuePeak}; per device at the end ${JSON.stringify(queueEnd)}`,
        },
        {
          name: "soak exactly-once tally (labels): printed twice + lost",
          unit: "jobs",
          median: t.printedTwice + t.lost,
          baseline: { name: "labels sent", median: t.sent },
          target: { text: "0", met: t.printedTwice + t.lost === 0 },
          note: `printed once ${t.printedOnce}, in doubt ${t.inDoubt} (reported), refused ${JSON.stringify(t.refused)}`,
        },
        {
          name: "soak rfid.encode and epaper.update: without a final answer, or ok not matched by the device",
          unit: "jobs",
          median:
            rfid.lost + epaper.lost + Math.abs(rfid.ok - encoded) + Math.abs(epaper.ok - shown),
          baseline: { name: "encodes + updates sent", median: rfid.sent + epaper.sent },
          target: {
            text: "0",
            met: rfid.lost + epaper.lost === 0 && rfid.ok === encoded && epaper.ok === shown,
          },
          note: `encodes ok ${rfid.ok} / distinct EPCs written ${encoded}, in doubt ${rfid.inDoubt}, refused ${JSON.stringify(rfid.refused)}; updates ok ${epaper.ok} / images shown ${shown}, in doubt ${epaper.inDoubt}, refused ${JSON.stringify(epaper.refused)}`,
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
