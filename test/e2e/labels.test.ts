/**
 * The example waybill job, published on MQTT to each demo printer language — zpl-1, tspl-1,
 * escpos-1, cpcl-1 — through the whole daemon (intake, privacy guard, audit, per-device compiler
 * session, status confirmation): each job is answered `ok`, and each hosted simulator writes the
 * exact bytes and a PNG whose Code 128 decodes (zbarimg) to the waybill number; stats.json counts
 * every byte the printer received.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_CONFIG } from "../../src/config/demo.ts";
import { startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { exampleJob } from "../helpers/jobs.ts";
import { decodeCode128 } from "../helpers/zbar.ts";

const PRINTERS = [
  ["zpl-1", "zpl"],
  ["tspl-1", "tspl"],
  ["escpos-1", "escpos"],
  ["cpcl-1", "cpcl"],
] as const;

let gw: TestGateway;
beforeAll(async () => {
  const ids = new Set<string>(PRINTERS.map(([id]) => id));
  gw = await startTestGateway({
    devices: (DEMO_CONFIG.devices ?? [])
      .filter((d) => ids.has(d.id))
      .map((d) => ({
        ...d,
        status_poll_ms: 200,
        status_timeout_ms: 1000,
        confirm_timeout_ms: 5000,
      })),
  });
});
afterAll(() => gw.stop());

describe("the example waybill on every demo printer", () => {
  it.each(PRINTERS)(
    "%s prints it: ok, exact bytes, a PNG whose barcode decodes",
    async (device, ext) => {
      const env = exampleJob({ replyTo: "labelgate/demo/reply/ws-12" });
      env["device"] = device; // the example names zpl-1; it must match the topic
      await gw.probe.publish(`labelgate/demo/device/${device}/job`, JSON.stringify(env));
      await gw.probe.waitReply(env.job_id, "ok", 20_000);
      const dir = join(gw.dataDir, "sim", device);
      // The simulator host writes its files after the print; the reply does not wait for them.
      await expect.poll(() => existsSync(join(dir, "1.png")), { timeout: 30_000 }).toBe(true);
      expect(existsSync(join(dir, `1.${ext}`))).toBe(true);
      expect(await decodeCode128(new Uint8Array(readFileSync(join(dir, "1.png"))))).toEqual([
        "SF1234567890123",
      ]);
      const stats = JSON.parse(readFileSync(join(dir, "stats.json"), "utf8")) as {
        bytes_received: number;
        labels_printed: number;
      };
      expect(stats.labels_printed).toBe(1);
      // Every byte counts: the label and the status requests polled before and after it.
      expect(stats.bytes_received).toBeGreaterThan(readFileSync(join(dir, `1.${ext}`)).length);
    },
  );
});
