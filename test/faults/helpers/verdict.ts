import Database from "better-sqlite3";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../../helpers/net.ts";
import { DaemonProcess, PrinterProcess, writeDaemonConfig, type DaemonConfig } from "./harness.ts";
import { RetryingProducer, type JobRecord } from "./producer.ts";

/** Polls `cond` every 50 ms until it holds, or fails after `ms`. */
export async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits up to 60 s for a job's final outcome. */
export const settle = (j: JobRecord): Promise<void> =>
  until(() => j.final !== undefined, 60_000, `a final outcome for ${j.jobId}`);

/** An audit record that settled an interrupted job: `job.resolved` or `print.in_doubt`. */
export interface Settlement {
  action: string;
  reason: string | null;
  job: string;
}

/**
 * The processes of a verdict fault test (issue #9 §2): the zpl-1 printer, optional further device
 * processes (an RFID encoder, an OpenEPaperLink AP), the daemon on its embedded broker and a
 * retrying producer, each in a process of its own. {@link close} ends what was started, in
 * reverse, and removes `dir`.
 */
export class VerdictRig {
  printer: PrinterProcess | undefined;
  daemon: DaemonProcess | undefined;
  producer: RetryingProducer | undefined;
  readonly dataDir: string;
  private readonly devices: PrinterProcess[] = [];

  constructor(readonly dir: string) {
    this.dataDir = join(dir, "data");
  }

  /** Starts the zpl-1 printer, logging what it prints to `logFile` (default `printed.log`). */
  async startPrinter(logFile = join(this.dir, "printed.log")): Promise<PrinterProcess> {
    this.printer = await PrinterProcess.start(logFile);
    return this.printer;
  }

  /** Starts a further device process (`script`, same command protocol as the printer). */
  async startDevice(logFile: string, script: string): Promise<PrinterProcess> {
    const p = await PrinterProcess.start(logFile, 0, script);
    this.devices.push(p);
    return p;
  }

  /**
   * Writes the daemon's configuration (embedded broker on a free port, zpl-1 on the printer,
   * plus `config`), starts it and connects a producer `producerId` retrying every 500 ms.
   */
  async startDaemon(
    producerId: string,
    config: Omit<DaemonConfig, "dataDir" | "mqttPort" | "printerPort"> = {},
  ): Promise<{ daemon: DaemonProcess; producer: RetryingProducer }> {
    const mqttPort = await freePort();
    const configFile = join(this.dir, "labelgate.yaml");
    writeDaemonConfig(configFile, {
      dataDir: this.dataDir,
      mqttPort,
      printerPort: this.printer!.port,
      ...config,
    });
    const daemon = new DaemonProcess(configFile);
    this.daemon = daemon;
    await daemon.start();
    const producer = new RetryingProducer(`mqtt://127.0.0.1:${mqttPort}`, producerId, 500);
    this.producer = producer;
    await producer.connect();
    return { daemon, producer };
  }

  /**
   * Stops the daemon, verifies its audit chain and returns the exit code of `audit verify` with
   * the records that settled interrupted jobs, in order.
   */
  async stopAndReadSettlements(): Promise<{ verifyCode: number; rows: Settlement[] }> {
    await this.daemon!.kill("SIGTERM");
    const verifyCode = (await this.daemon!.auditVerify(this.dataDir)).code;
    const db = new Database(join(this.dataDir, "labelgate.db"), { readonly: true });
    try {
      const rows = db
        .prepare<[], Settlement>(
          `SELECT action, reason, json_extract(target, '$.job_id') AS job FROM audit_log
           WHERE action IN ('job.resolved', 'print.in_doubt') ORDER BY seq`,
        )
        .all();
      return { verifyCode, rows };
    } finally {
      db.close();
    }
  }

  async close(): Promise<void> {
    await this.producer?.close();
    await this.daemon?.kill("SIGTERM");
    for (const d of [...this.devices].reverse()) await d.stop();
    await this.printer?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
