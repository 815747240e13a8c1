import { execFileSync } from "node:child_process";
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../helpers/net.ts";
import { MqttProbe } from "../helpers/mqtt-probe.ts";
import { DaemonProcess, PrinterProcess, writeDaemonConfig } from "./helpers/harness.ts";
import { RetryingProducer, tally } from "./helpers/producer.ts";

/** Writes zeros into `file` until the file system refuses (ENOSPC). */
function fillDisk(file: string): void {
  const fd = openSync(file, "w");
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOSPC") throw e;
  } finally {
    closeSync(fd);
  }
}

/**
 * The data directory on a small tmpfs (the tests run as root, as CI does). When it fills up,
 * printing stops with an alert, nothing is acknowledged that was not stored (producers see a
 * retryable refusal and retry), and everything resumes once space returns.
 */
describe("disk full under the data directory", () => {
  const dir = mkdtempSync(join(tmpdir(), "lg-faults-disk-"));
  const dataDir = join(dir, "data");
  let mounted = false;
  let printer: PrinterProcess | undefined;
  let daemon: DaemonProcess | undefined;
  let producer: RetryingProducer | undefined;
  let probe: MqttProbe | undefined;

  afterAll(async () => {
    await producer?.close();
    await probe?.close();
    await daemon?.kill("SIGTERM");
    await printer?.stop();
    if (mounted) execFileSync("umount", [dataDir]);
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    "pauses with an alert while full, refuses jobs as retryable, and resumes without loss or double print",
    { timeout: 240_000 },
    async () => {
      mkdirSync(dataDir);
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=24m", "tmpfs", dataDir]);
      mounted = true;
      printer = await PrinterProcess.start(join(dir, "printed.log"));
      const mqttPort = await freePort();
      const configFile = join(dir, "labelgate.yaml");
      writeDaemonConfig(configFile, { dataDir, mqttPort, printerPort: printer.port });
      daemon = new DaemonProcess(configFile);
      await daemon.start();
      const url = `mqtt://127.0.0.1:${mqttPort}`;
      probe = await MqttProbe.connect(url, ["labelgate/demo/gateway/gw1/alert"]);
      producer = new RetryingProducer(url, "disk-producer", 500);
      await producer.connect();
      const runTag = `F${Date.now().toString(36).toUpperCase()}`;

      for (let i = 0; i < 20; i++) producer.submit(i, runTag);
      await producer.settle(60_000);

      const filler = join(dataDir, "filler.bin");
      fillDisk(filler);
      for (let i = 20; i < 60; i++) producer.submit(i, runTag);
      const alert = await probe.waitFor(
        (m) => m.json["type"] === "audit_unavailable",
        30_000,
        "audit_unavailable alert",
      );
      expect(alert.json["severity"]).toBe("critical");
      // While full, jobs are refused as retryable and none of them is answered ok.
      await expect
        .poll(() => [...producer!.jobs.values()].filter((j) => (j.retryable ?? 0) > 0).length, {
          timeout: 30_000,
        })
        .toBeGreaterThan(0);
      const okWhileFull = [...producer.jobs.values()].filter(
        (j, i) => i >= 20 && j.final === "ok",
      ).length;

      unlinkSync(filler);
      await producer.settle(120_000);
      const t = tally(producer.jobs.values(), printer.printed());
      console.log(`disk-full tally (ok while full: ${okWhileFull}): ${JSON.stringify(t)}`);
      expect(daemon.running).toBe(true);
      expect(t.sent).toBe(60);
      expect(t.printedTwice).toBe(0);
      expect(t.lost).toBe(0);
      expect(t.printedButRefused).toBe(0);
      expect(t.printedOnce + t.inDoubt).toBe(60);

      await daemon.kill("SIGTERM");
      expect((await daemon.auditVerify(dataDir)).code).toBe(0);
    },
  );
});
