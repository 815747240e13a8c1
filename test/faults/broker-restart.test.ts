import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../helpers/net.ts";
import { DaemonProcess, PrinterProcess, writeDaemonConfig } from "./helpers/harness.ts";
import { Mosquitto } from "./helpers/mosquitto.ts";
import { RetryingProducer, tally } from "./helpers/producer.ts";

const JOBS = Number(process.env["LABELGATE_FAULT_JOBS"] ?? 2000) / 4;

/**
 * The site broker (Debian's Mosquitto) is stopped and restarted twice in the middle of a stream.
 * Jobs already accepted keep printing while it is down; the gateway reconnects and
 * re-subscribes; producers retry with the same job_ids.
 */
describe("broker restart mid-stream (external Mosquitto)", () => {
  const dir = mkdtempSync(join(tmpdir(), "lg-faults-broker-"));
  let printer: PrinterProcess | undefined;
  let daemon: DaemonProcess | undefined;
  let broker: Mosquitto | undefined;
  let producer: RetryingProducer | undefined;

  afterAll(async () => {
    await producer?.close();
    await daemon?.kill("SIGTERM");
    await broker?.stop();
    await printer?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    `${JOBS} jobs across two broker restarts: nothing lost, nothing printed twice`,
    { timeout: 300_000 },
    async () => {
      printer = await PrinterProcess.start(join(dir, "printed.log"));
      broker = new Mosquitto(await freePort());
      await broker.start();
      const dataDir = join(dir, "data");
      const configFile = join(dir, "labelgate.yaml");
      writeDaemonConfig(configFile, {
        dataDir,
        mqttPort: broker.port,
        printerPort: printer.port,
        url: `mqtt://127.0.0.1:${broker.port}`,
      });
      daemon = new DaemonProcess(configFile);
      await daemon.start();
      producer = new RetryingProducer(`mqtt://127.0.0.1:${broker.port}`, "broker-producer");
      await producer.connect();

      const runTag = `B${Date.now().toString(36).toUpperCase()}`;
      const third = Math.ceil(JOBS / 3);
      let submitted = 0;
      for (let wave = 0; wave < 3; wave++) {
        const n = Math.min(third, JOBS - submitted);
        for (let i = 0; i < n; i++) producer.submit(submitted + i, runTag);
        submitted += n;
        if (wave < 2) {
          await new Promise((r) => setTimeout(r, 300 + Math.random() * 500));
          await broker.stop();
          await new Promise((r) => setTimeout(r, 500));
          await broker.start();
        }
      }
      await producer.settle(240_000);
      const t = tally(producer.jobs.values(), printer.printed());
      console.log(`broker-restart tally: ${JSON.stringify(t)}`);
      expect(daemon.running).toBe(true);
      expect(daemon.starts).toBe(1);
      expect(t.sent).toBe(JOBS);
      expect(t.printedTwice).toBe(0);
      expect(t.lost).toBe(0);
      expect(t.printedButRefused).toBe(0);

      await daemon.kill("SIGTERM");
      expect((await daemon.auditVerify(dataDir)).code).toBe(0);
    },
  );
});
