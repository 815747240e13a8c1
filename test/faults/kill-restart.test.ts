import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../helpers/net.ts";
import { DaemonProcess, PrinterProcess, writeDaemonConfig } from "./helpers/harness.ts";
import { RetryingProducer, tally } from "./helpers/producer.ts";

const JOBS = Number(process.env["LABELGATE_FAULT_JOBS"] ?? 2000);
const KILLS = Number(process.env["LABELGATE_FAULT_KILLS"] ?? 20);

/**
 * SIGKILL the daemon at random moments during a stream of jobs, restart it at once, and let the
 * producer retry with the same job_ids. The printer is its own process, so it keeps what it
 * printed. Afterwards: every job printed exactly once or reported in doubt; none printed twice;
 * none answered ok without a print; the audit log verifies.
 */
describe("SIGKILL during a stream of jobs", () => {
  const dir = mkdtempSync(join(tmpdir(), "lg-faults-kill-"));
  let printer: PrinterProcess | undefined;
  let daemon: DaemonProcess | undefined;
  let producer: RetryingProducer | undefined;

  afterAll(async () => {
    await producer?.close();
    await daemon?.kill("SIGTERM");
    await printer?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    `${KILLS} kills over ${JOBS} jobs: nothing lost, nothing printed twice`,
    { timeout: 600_000 },
    async () => {
      printer = await PrinterProcess.start(join(dir, "printed.log"));
      const mqttPort = await freePort();
      const dataDir = join(dir, "data");
      const configFile = join(dir, "labelgate.yaml");
      writeDaemonConfig(configFile, { dataDir, mqttPort, printerPort: printer.port });
      daemon = new DaemonProcess(configFile);
      await daemon.start();
      producer = new RetryingProducer(`mqtt://127.0.0.1:${mqttPort}`, "kill-producer");
      await producer.connect();

      const runTag = `K${Date.now().toString(36).toUpperCase()}`;
      let submitted = 0;
      let kills = 0;
      // Submit in waves; between waves, kill at a random moment and restart.
      const perWave = Math.ceil(JOBS / (KILLS + 1));
      while (submitted < JOBS) {
        const n = Math.min(perWave, JOBS - submitted);
        for (let i = 0; i < n; i++) producer.submit(submitted + i, runTag);
        submitted += n;
        if (kills < KILLS) {
          await new Promise((r) => setTimeout(r, 100 + Math.random() * 600));
          await daemon.kill("SIGKILL");
          kills++;
          await daemon.start();
        }
      }
      await producer.settle(240_000);
      const t = tally(producer.jobs.values(), printer.printed());
      console.log(`kill-restart tally (${kills} kills): ${JSON.stringify(t)}`);

      expect(kills).toBe(KILLS);
      expect(t.sent).toBe(JOBS);
      expect(t.printedTwice).toBe(0);
      expect(t.lost).toBe(0);
      expect(t.printedButRefused).toBe(0);
      expect(
        t.printedOnce +
          (t.inDoubt - t.inDoubtPrinted) +
          Object.values(t.refused).reduce((a, b) => a + b, 0),
      ).toBe(JOBS);

      await daemon.kill("SIGTERM");
      const v = await daemon.auditVerify(dataDir);
      expect(v.code, v.out).toBe(0);
      // How the jobs a kill caught in flight were settled: by the printer's label counter
      // (confirmed, or run again), or left in doubt.
      const db = new Database(join(dataDir, "labelgate.db"), { readonly: true });
      const settled = db
        .prepare<[], { how: string; n: number }>(
          `SELECT CASE WHEN action = 'print.in_doubt' THEN 'in_doubt'
                       ELSE substr(reason, 1, instr(reason, ':') - 1) END AS how, count(*) AS n
           FROM audit_log WHERE action = 'print.in_doubt'
              OR (action = 'job.resolved' AND reason LIKE '%:by_device:%') GROUP BY how`,
        )
        .all();
      db.close();
      console.log(`kill-restart: in flight at a kill, settled as ${JSON.stringify(settled)}`);
    },
  );
});
