import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../helpers/net.ts";
import { PrinterProcess } from "../faults/helpers/harness.ts";
import { Mosquitto } from "../faults/helpers/mosquitto.ts";
import { RetryingProducer, tally } from "../faults/helpers/producer.ts";
import { GatewayProcess, writeClusterConfig } from "./gateway-process.ts";

const JOBS = 40;

/**
 * A pool across three gateways on Debian's Mosquitto: gw1 and gw3 each own one printer of pool
 * `hall-a`, gw5 owns a printer outside the pool; all three subscribe `$share/labelgate/…/pool/+/job` with clean sessions, so each pool job reaches
 * exactly one gateway, which prints it on a printer it owns. Every job prints once; both pool printers take part.
 */
describe("pool across gateways with a shared subscription", () => {
  const dir = mkdtempSync(join(tmpdir(), "lg-pools-"));
  let broker: Mosquitto | undefined;
  const printers: PrinterProcess[] = [];
  const gws: GatewayProcess[] = [];
  let producer: RetryingProducer | undefined;

  afterAll(async () => {
    await producer?.close();
    for (const g of gws) await g.kill("SIGTERM");
    for (const p of printers) await p.stop();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    "every pool job prints exactly once, on the printers of both gateways",
    { timeout: 90_000 },
    async () => {
      broker = new Mosquitto(await freePort());
      await broker.start();
      const url = `mqtt://127.0.0.1:${broker.port}`;
      // gw5's printer serves no pool: pool jobs that reach gw5 are handed on to a member's
      // device topic (same job_id), where its owner prints them.
      for (const [i, gw] of ["gw1", "gw3", "gw5"].entries()) {
        const printer = await PrinterProcess.start(join(dir, `printed-${gw}.log`));
        printers.push(printer);
        const file = join(dir, `${gw}.yaml`);
        writeClusterConfig(file, {
          url,
          gateway: gw,
          dataDir: join(dir, gw),
          role: "owner",
          graceS: 5,
          printerPort: printer.port,
          device: `zpl-${i + 1}`,
          ...(gw !== "gw5" && { pool: "hall-a" }),
        });
        const g = new GatewayProcess(file);
        gws.push(g);
        g.start();
        await g.waitFor('"gateway started"');
      }
      // Retries slower than printing: a pool retry may reach the other gateway (README).
      producer = new RetryingProducer(
        url,
        "producer-pool",
        10_000,
        "labelgate/demo/pool/hall-a/job",
      );
      await producer.connect();
      for (let i = 0; i < JOBS; i++) producer.submit(i, "01JCLUSTERPOOL");
      await producer.settle(60_000);
      const [a, b, c] = printers.map((p) => p.printed());
      const t = tally(producer.jobs.values(), [...a!, ...b!, ...c!]);
      expect(t.sent).toBe(JOBS);
      expect(t.ok).toBe(JOBS);
      expect(t.printedOnce).toBe(JOBS);
      expect(t.printedTwice).toBe(0);
      // Mosquitto hands share-group members messages in turn: both printers printed.
      expect(a!.length).toBeGreaterThan(0);
      expect(b!.length).toBeGreaterThan(0);
      expect(c).toEqual([]);
      for (const rec of producer.jobs.values()) expect(rec.publishes).toBe(1);
    },
  );
});
