/**
 * Resident memory and start-up (DESIGN.md §8, issue #10 case 6): labelgate with 64 simulated ZPL
 * printers that all report paper out, so every job is accepted, stored and held on its device's
 * queue; 10,000 jobs are published (QoS 1, window 100) and the daemon's resident set is read
 * from /proc once the last PUBACK came back (a PUBACK follows the inbox commit).
 *
 * The daemon runs as `npm start` runs it: `node bin/build.js` (the compiled bundle in dist/), then
 * `bin/labelgate.js start`. A bundle run counts only when `bin/build.js --check` finds it fresh
 * both before the spawn and once the daemon is online (bin/labelgate.js chooses at start; other
 * people editing the sources would otherwise make it fall back to tsx unnoticed); a round whose
 * bundle went stale in between is run again.
 *
 * Baselines from the same run: the same daemon from the TypeScript sources through the tsx loader
 * (`LABELGATE_TSX=1`, how it ran before the bundle), the same daemon idle (64 devices, no jobs),
 * and the bare mqtt.js relay (spawn → subscribed, under tsx) for the start-up time to `online`.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import type { BenchCase, BenchResult } from "../types.ts";
import { freshJobs } from "../lib/e2e.ts";
import { REPO_ROOT, rssMiB } from "../lib/procs.ts";
import { LoadProducer } from "../lib/producer.ts";
import { startAedes, startBareRelay, startLabelgate, startSink } from "../lib/relays.ts";
import { median, round } from "../lib/stats.ts";

const DEVICES = 64;
const JOBS = 10_000;
const TARGET_MB = 150;
const MiB_PER_MB = 1e6 / 2 ** 20;
/** Attempts at a round whose bundle the sources overtook (see the file comment). */
const BUNDLE_ATTEMPTS = 4;

type Mode = "bundle" | "tsx";

interface Sample {
  /** bundle: `bin/build.js --check` found it fresh just after the daemon came online. */
  fresh: boolean;
  startupMs: number;
  idle: number;
  loaded: number;
  peak: number;
}

/** `node bin/build.js [--check]`: true when it exits 0 (built / fresh). */
function buildScript(...args: string[]): boolean {
  try {
    execFileSync(process.execPath, [join(REPO_ROOT, "bin/build.js"), ...args], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "ignore", "pipe"],
    });
    return true;
  } catch {
    return false;
  }
}

export const benchCase: BenchCase = {
  id: "memory",
  async run(ctx) {
    const rounds = ctx.quick ? 1 : 2;
    const broker = await startAedes();
    const sink = await startSink(DEVICES);
    await sink.child.call({ type: "fault", condition: "media_out", on: true });
    const producer = await LoadProducer.connect(broker.url, `bench-memory-${process.pid}`);
    const samples: Record<Mode, Sample[]> = { bundle: [], tsx: [] };
    const bareStartup: number[] = [];
    /** Node + tsx + mqtt.js with 64 sockets: the floor any TypeScript relay starts from. */
    const bareRss: number[] = [];
    let staleRounds = 0;
    let dirs = 0;

    /** One daemon: start, 64 held jobs (idle), 10,000 held jobs (loaded). */
    const measure = async (mode: Mode): Promise<Sample> => {
      const env: NodeJS.ProcessEnv = { ...process.env };
      delete env["LABELGATE_TSX"];
      if (mode === "tsx") env["LABELGATE_TSX"] = "1";
      const lg = await startLabelgate(
        join(ctx.tmpDir, `memory-${dirs++}`),
        broker.url,
        sink.ports,
        {
          env,
        },
      );
      // bin/labelgate.js chose bundle or tsx when it started; its chunks never change after.
      const fresh = mode === "bundle" && buildScript("--check");
      try {
        // Every device answered its first status request (held for paper out) before idle RSS.
        await producer.windowed(freshJobs(DEVICES, DEVICES), DEVICES);
        const idle = rssMiB(lg.child.pid).rss;
        const run = await producer.windowed(freshJobs(JOBS, DEVICES), 100);
        const m = rssMiB(lg.child.pid);
        ctx.log(`${mode}: replies so far ${JSON.stringify(run.statuses)}`);
        return { fresh, startupMs: lg.startupMs, idle, loaded: m.rss, peak: m.peak };
      } finally {
        await lg.child.stop();
      }
    };

    try {
      for (let r = 0; r < rounds; r++) {
        const bare = await startBareRelay(broker.url, sink.ports);
        bareStartup.push(bare.startupMs ?? Number.NaN);
        bareRss.push(rssMiB(bare.child.pid).rss);
        await bare.child.stop();
        for (let attempt = 1; ; attempt++) {
          if (!buildScript()) throw new Error("bin/build.js failed");
          const before = buildScript("--check");
          const s = await measure("bundle");
          if (before && s.fresh) {
            samples.bundle.push(s);
            break;
          }
          staleRounds++;
          ctx.log(`round ${r + 1}: sources changed during the bundle run; again`);
          if (attempt >= BUNDLE_ATTEMPTS)
            throw new Error(`the bundle went stale in ${attempt} attempts (sources being edited)`);
        }
        samples.tsx.push(await measure("tsx"));
        const b = samples.bundle[r]!;
        const t = samples.tsx[r]!;
        ctx.log(
          `round ${r + 1}: bundle start-up ${round(b.startupMs)} ms, RSS idle ${round(b.idle)} ` +
            `MiB, ${JOBS} held jobs ${round(b.loaded)} MiB (peak ${round(b.peak)}); tsx start-up ` +
            `${round(t.startupMs)} ms, idle ${round(t.idle)} MiB, loaded ${round(t.loaded)} MiB ` +
            `(peak ${round(t.peak)}); bare relay ${round(bare.startupMs ?? Number.NaN)} ms, ` +
            `${round(bareRss[r]!)} MiB`,
        );
      }
    } finally {
      await producer.close();
      await sink.child.stop();
      await broker.child.stop();
    }
    const mb = (mib: number) => round(mib / MiB_PER_MB);
    const med = (mode: Mode, k: Exclude<keyof Sample, "fresh">) =>
      median(samples[mode].map((s) => s[k]));
    const loaded = mb(med("bundle", "loaded"));
    const tsxLoaded = mb(med("tsx", "loaded"));
    const idle = mb(med("bundle", "idle"));
    const tsxIdle = mb(med("tsx", "idle"));
    const bare = mb(median(bareRss));
    const startup = round(med("bundle", "startupMs"));
    const results: BenchResult[] = [
      {
        name: `resident memory (labelgate as npm start runs it, ${DEVICES} devices, ${JOBS} queued jobs)`,
        unit: "MB",
        median: loaded,
        baseline: { name: "the same from the sources through tsx (before)", median: tsxLoaded },
        ratio: round(loaded / tsxLoaded),
        target: { text: `≤ ${TARGET_MB} MB`, met: loaded <= TARGET_MB },
        note:
          `VmRSS after the last PUBACK, every device held by paper out; compiled bundle ` +
          `(dist/, bin/build.js); peak (VmHWM) ${mb(med("bundle", "peak"))} MB, through tsx ` +
          `${mb(med("tsx", "peak"))} MB; ${rounds} round(s)` +
          (staleRounds > 0 ? `; ${staleRounds} bundle run(s) redone (sources edited)` : ""),
      },
      {
        name: `resident memory idle (labelgate as npm start runs it, ${DEVICES} devices)`,
        unit: "MB",
        median: idle,
        baseline: { name: "bare mqtt.js relay under tsx, 64 sockets", median: bare },
        ratio: round(idle / bare),
        note:
          `through tsx (before) ${tsxIdle} MB; ${JOBS} held jobs add ${round(loaded - idle)} MB ` +
          `(through tsx ${round(tsxLoaded - tsxIdle)} MB)`,
      },
      {
        name: `start-up to online (labelgate as npm start runs it, ${DEVICES} devices)`,
        unit: "ms",
        median: startup,
        baseline: {
          name: "bare mqtt.js relay under tsx, spawn → subscribed",
          median: round(median(bareStartup)),
        },
        ratio: round(startup / median(bareStartup)),
        note:
          "spawn of `bin/labelgate.js start --config` (bundle fresh, built before) → retained " +
          `online state; from the sources through tsx ${round(med("tsx", "startupMs"))} ms`,
      },
    ];
    return results;
  },
};
