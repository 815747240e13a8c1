import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../helpers/net.ts";
import { DaemonProcess, PrinterProcess, writeDaemonConfig } from "./helpers/harness.ts";
import { RetryingProducer, tally } from "./helpers/producer.ts";

const BATCH = 60;

/**
 * Device faults in the middle of a batch, one scenario after the other against one daemon and
 * one printer process: every scenario ends with each job printed once, or reported in doubt,
 * and none printed twice.
 */
describe("device faults mid-batch", () => {
  const dir = mkdtempSync(join(tmpdir(), "lg-faults-device-"));
  let printer: PrinterProcess;
  let daemon: DaemonProcess;
  let producer: RetryingProducer;
  let dataDir: string;
  let offset = 0;

  beforeAll(async () => {
    printer = await PrinterProcess.start(join(dir, "printed.log"));
    const mqttPort = await freePort();
    dataDir = join(dir, "data");
    const configFile = join(dir, "labelgate.yaml");
    writeDaemonConfig(configFile, { dataDir, mqttPort, printerPort: printer.port });
    daemon = new DaemonProcess(configFile);
    await daemon.start();
    producer = new RetryingProducer(`mqtt://127.0.0.1:${mqttPort}`, "device-producer");
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.close();
    await daemon?.kill("SIGTERM");
    await printer?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function scenario(name: string, inject: () => Promise<void>, clear: () => Promise<void>) {
    const runTag = `D${name
      .replace(/[^A-Za-z]/g, "")
      .slice(0, 6)
      .toUpperCase()}`;
    const before = new Set(producer.jobs.keys());
    for (let i = 0; i < BATCH / 2; i++) producer.submit(offset + i, runTag);
    await inject();
    for (let i = BATCH / 2; i < BATCH; i++) producer.submit(offset + i, runTag);
    await new Promise((r) => setTimeout(r, 500));
    await clear();
    offset += BATCH;
    await producer.settle(120_000);
    const mine = [...producer.jobs.values()].filter((j) => !before.has(j.jobId));
    const t = tally(mine, printer.printed());
    console.log(`device fault '${name}' tally: ${JSON.stringify(t)}`);
    expect(t.sent).toBe(BATCH);
    expect(t.printedTwice).toBe(0);
    expect(t.lost).toBe(0);
    expect(t.printedButRefused).toBe(0);
    return t;
  }

  it("paper out mid-batch: the rest is held and prints in order once paper is loaded", async () => {
    const t = await scenario(
      "paper out",
      () => printer.command("fault media_out on"),
      () => printer.command("fault media_out off"),
    );
    expect(t.printedOnce).toBe(BATCH);
  });

  it("head open mid-batch", async () => {
    const t = await scenario(
      "head open",
      () => printer.command("fault head_open on"),
      () => printer.command("fault head_open off"),
    );
    expect(t.printedOnce).toBe(BATCH);
  });

  it("connection dropped by the printer mid-batch", async () => {
    await scenario(
      "drop",
      () => printer.command("drop"),
      async () => undefined,
    );
  });

  it("printer goes silent mid-batch, then answers again", async () => {
    await scenario(
      "silence",
      () => printer.command("silent on"),
      () => printer.command("silent off"),
    );
  });

  it("garbage before status replies", async () => {
    const t = await scenario(
      "garbage",
      () => printer.command("fault garbage on"),
      () => printer.command("fault garbage off"),
    );
    expect(t.printedOnce + t.inDoubt).toBe(BATCH);
  });

  it("a printer slower than the job rate", async () => {
    const t = await scenario(
      "slow",
      () => printer.command("slow 30"),
      () => printer.command("slow 0"),
    );
    expect(t.printedOnce + t.inDoubt).toBe(BATCH);
  });

  it("leaves an audit log that verifies", async () => {
    await daemon.kill("SIGTERM");
    expect((await daemon.auditVerify(dataDir)).code).toBe(0);
  });
});
