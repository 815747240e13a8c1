import Database from "better-sqlite3";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../helpers/net.ts";
import { DaemonProcess, PrinterProcess, writeDaemonConfig } from "./helpers/harness.ts";
import { RetryingProducer, type JobRecord } from "./helpers/producer.ts";

const BAG_JOB = JSON.parse(
  readFileSync(
    fileURLToPath(new URL("../../examples/jobs/rfid-encode-bag.json", import.meta.url)),
    "utf8",
  ),
) as Record<string, unknown>;

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * SIGKILL the daemon while an RFID encode is in flight on an encoder in its own process, then
 * let a read-back of the tag settle the job on restart (issue #9 §2):
 * - the encode completed (EPC written, locked) but its last reply was lost: the tag holds the
 *   job's EPC and refuses an unauthenticated read of its password → `ok`, audited
 *   `job.resolved` `confirm:by_device:epc_readback:<epc>:locked`;
 * - the encode stopped after its first write (EPC not written): the tag holds another EPC → the
 *   job stays `in_doubt`, audited `restart:epc_readback:other`.
 */
describe("in-doubt RFID encodes settled by reading the tag back", () => {
  const dir = mkdtempSync(join(tmpdir(), "lg-faults-rfid-"));
  let printer: PrinterProcess | undefined;
  let encoder: PrinterProcess | undefined;
  let daemon: DaemonProcess | undefined;
  let producer: RetryingProducer | undefined;

  afterAll(async () => {
    await producer?.close();
    await daemon?.kill("SIGTERM");
    await encoder?.stop();
    await printer?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    "completed unseen → ok by device; stopped half-way → in_doubt",
    { timeout: 120_000 },
    async () => {
      printer = await PrinterProcess.start(join(dir, "printed.log"));
      encoder = await PrinterProcess.start(
        join(dir, "tags.log"),
        0,
        "test/faults/helpers/encoder-process.ts",
      );
      const mqttPort = await freePort();
      const dataDir = join(dir, "data");
      const configFile = join(dir, "labelgate.yaml");
      writeDaemonConfig(configFile, {
        dataDir,
        mqttPort,
        printerPort: printer.port,
        extraDevices: `  - id: uhf-1
    driver: uhf-r2000
    transport: { type: tcp, host: 127.0.0.1, port: ${encoder.port}, connect_timeout_ms: 1000 }
    status_poll_ms: 500
    status_timeout_ms: 500
    confirm_timeout_ms: 30000
`,
        extra: `rfid: { access_password: "5A17C0DE" }\n`,
      });
      daemon = new DaemonProcess(configFile);
      await daemon.start();
      producer = new RetryingProducer(`mqtt://127.0.0.1:${mqttPort}`, "rfid-producer", 500);
      await producer.connect();
      const tag = `R${Date.now().toString(36).toUpperCase()}`;
      const encode = (bag: string): JobRecord =>
        producer!.submitEnvelope(
          `${tag}${bag}`,
          bag,
          { ...BAG_JOB, payload: { rfid: { bag_no: bag } } },
          "labelgate/demo/device/uhf-1/job",
        );
      const settle = (j: JobRecord) =>
        until(() => j.final !== undefined, 60_000, `a final outcome for ${j.jobId}`);
      const muted = () => encoder!.events().filter((e) => e === "muted").length;

      const j0 = encode("1001");
      await settle(j0);
      expect(j0.final).toBe("ok");

      // 1. The encode completes on the tag; the reply to its last lock is lost with the gateway.
      await encoder.command("mute-before-last-reply");
      const j1 = encode("1002");
      await until(() => muted() === 1, 30_000, "the lost last reply");
      await daemon.kill("SIGKILL");
      await encoder.command("unmute");
      await daemon.start();
      await settle(j1);
      expect(j1.final).toBe("ok");

      // 2. The encode stops after its first write: the tag still holds bag 1002's EPC.
      await encoder.command("mute-after-write");
      const j2 = encode("1003");
      await until(() => muted() === 2, 30_000, "the unanswered write");
      await daemon.kill("SIGKILL");
      await encoder.command("unmute");
      await daemon.start();
      await settle(j2);
      expect(j2.final).toBe("in_doubt");

      await daemon.kill("SIGTERM");
      expect((await daemon.auditVerify(dataDir)).code).toBe(0);
      const db = new Database(join(dataDir, "labelgate.db"), { readonly: true });
      const rows = db
        .prepare<[], { action: string; reason: string | null; job: string }>(
          `SELECT action, reason, json_extract(target, '$.job_id') AS job FROM audit_log
         WHERE action IN ('job.resolved', 'print.in_doubt') ORDER BY seq`,
        )
        .all();
      db.close();
      console.log(`rfid-verdict audit: ${JSON.stringify(rows)}`);
      expect(rows).toHaveLength(2);
      expect(rows[0]).toMatchObject({ action: "job.resolved", job: j1.jobId });
      expect(rows[0]?.reason).toMatch(/^confirm:by_device:epc_readback:[0-9a-f]{24}:locked$/);
      expect(rows[1]).toEqual({
        action: "print.in_doubt",
        reason: "restart:epc_readback:other",
        job: j2.jobId,
      });
    },
  );
});
