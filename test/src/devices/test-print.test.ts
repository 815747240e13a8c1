/**
 * The `test_print` device command (issue #4 §5) through the whole daemon on the demo printers of
 * every label language: the synthetic label goes through each driver's compiler and transport to
 * its hosted simulator, which writes a PNG whose Code 128 decodes (zbarimg) to the test barcode;
 * no waybill is touched. Refusals: a non-label device, a quarantined, a paused and a faulted one.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_CONFIG } from "../../../src/config/demo.ts";
import { testBarcode, testLabel } from "../../../src/devices/test-print.ts";
import { startTestGateway, type TestGateway } from "../../helpers/gateway.ts";
import { inkIn, readPng } from "../../helpers/png.ts";
import { decodeCode128 } from "../../helpers/zbar.ts";

const SITE = "labelgate/demo";
const REPLY = `${SITE}/reply/tp-test`;
const PRINTERS = [
  ["zpl-1", "zpl"],
  ["tspl-1", "tspl"],
  ["escpos-1", "escpos"],
  ["cpcl-1", "cpcl"],
] as const;

let g: TestGateway;
let n = 0;
const command = async (device: string, name: string) => {
  const request_id = `tp${++n}`;
  await g.probe.publish(
    `${SITE}/device/${device}/cmd/${name}`,
    JSON.stringify({ request_id, reply_to: REPLY, operator: "T0001" }),
  );
  const m = await g.probe.waitFor(
    (m) => m.topic === REPLY && m.json["request_id"] === request_id,
    30_000,
    `${name} on ${device}`,
  );
  return m.json;
};

beforeAll(async () => {
  const ids = new Set<string>([...PRINTERS.map(([id]) => id), "uhf-1", "zpl-rfid-1"]);
  g = await startTestGateway({
    devices: (DEMO_CONFIG.devices ?? [])
      .filter((d) => ids.has(d.id))
      .map((d) => ({
        ...d,
        // zpl-rfid-1 is registered with another unit's serial: it is quarantined on connect.
        ...(d.id === "zpl-rfid-1" && { identity: { serial: "00X000000000" } }),
        status_poll_ms: 200,
        status_timeout_ms: 1000,
        confirm_timeout_ms: 5000,
      })),
  });
  for (const id of ids)
    await g.probe.waitFor(
      (m) =>
        m.topic === `${SITE}/device/${id}/state` &&
        (m.json["reachability"] === "online" || m.json["availability"] === "quarantined"),
      20_000,
      `${id} up`,
    );
});
afterAll(() => g.stop());

describe("test_print (issue #4 §5)", () => {
  it("lays out a synthetic label: device, gateway, time, test barcode, TEST / 测试", () => {
    const now = Date.parse("2026-11-30T07:08:09.000Z");
    const { label, barcode } = testLabel({
      device: "zpl-9",
      gateway: "gw7",
      now,
      widthMm: 100,
      heightMm: 150,
    });
    expect(barcode).toBe("TEST-070809");
    expect(testBarcode(now)).toBe(barcode);
    const texts = label.elements.flatMap((e) => (e.type === "text" ? [e.text] : []));
    expect(texts).toEqual([
      "TEST / 测试",
      "device zpl-9",
      "gateway gw7",
      "2026-11-30 07:08:09 UTC",
    ]);
    expect(label.elements.filter((e) => e.type === "barcode")).toHaveLength(1);
  });

  it.each(PRINTERS)(
    "%s prints the test label through its driver: ok, a PNG whose barcode decodes",
    async (device, ext) => {
      const r = await command(device, "test_print");
      expect(r).toMatchObject({ status: "ok", device, command: "test_print" });
      const data = r["data"] as { barcode: string; digest: string; bytes: number };
      expect(data.barcode).toMatch(/^TEST-\d{6}$/);
      expect(data.digest).toMatch(/^[0-9a-f]{64}$/);
      const dir = join(g.dataDir, "sim", device);
      await expect.poll(() => existsSync(join(dir, "1.png")), { timeout: 30_000 }).toBe(true);
      // The format as printed; ZPL sends its text graphics (~DG) outside the format, so ≤.
      const file = readFileSync(join(dir, `1.${ext}`)).length;
      expect(file).toBeGreaterThan(0);
      expect(file).toBeLessThanOrEqual(data.bytes);
      const png = new Uint8Array(readFileSync(join(dir, "1.png")));
      expect(await decodeCode128(png)).toEqual([data.barcode]);
      // The headline `TEST / 测试` (3–9 mm from the top, 3–35 mm from the left) has ink, and the
      // label below the frame (from 50 mm down) has none: nothing but the test content.
      const img = readPng(png);
      const dpmm = img.width / 100;
      const mm = (v: number) => Math.round(v * dpmm);
      expect(inkIn(img, mm(3), mm(3.5), mm(35), mm(9))).toBeGreaterThan(mm(6) * mm(6));
      expect(inkIn(img, 0, mm(50), img.width, img.height)).toBe(0);
    },
    60_000,
  );

  it("is audited as device.test_print and spends no waybill", () => {
    const rows = g.auditRows();
    const tp = rows.filter((r) => r.action === "device.test_print");
    expect(tp.map((r) => [r.outcome, r.reason])).toEqual(PRINTERS.map(() => ["ok", "dispatched"]));
    expect(rows.filter((r) => r.action.startsWith("waybill.") || r.job_id !== null)).toEqual([]);
  });

  it("refuses a non-label device, a quarantined, a paused and a faulted one, sending nothing", async () => {
    expect(await command("uhf-1", "test_print")).toMatchObject({
      status: "error",
      error: { code: "unsupported_kind" },
    });
    expect(await command("zpl-rfid-1", "test_print")).toMatchObject({
      status: "error",
      error: { code: "device_quarantined" },
    });

    expect(await command("tspl-1", "pause")).toMatchObject({ status: "ok" });
    expect(await command("tspl-1", "test_print")).toMatchObject({
      status: "error",
      error: { code: "device_paused" },
    });
    expect(await command("tspl-1", "resume")).toMatchObject({ status: "ok" });

    const sim = g.gateway.simulators.get("escpos-1")!;
    sim.faults.set("media_out", true);
    try {
      const r = await command("escpos-1", "test_print");
      expect(r).toMatchObject({ status: "error", error: { code: "device_fault" } });
      expect((r["error"] as { conditions: string[] }).conditions).toContain("media_out");
    } finally {
      sim.faults.set("media_out", false);
    }
    // Nothing more was printed by the refused ones.
    for (const id of ["tspl-1", "escpos-1"])
      expect(readdirSync(join(g.dataDir, "sim", id)).filter((f) => f.endsWith(".png"))).toEqual([
        "1.png",
      ]);
    const refused = g
      .auditRows()
      .filter((r) => r.action === "device.command" && r.outcome === "rejected")
      .map((r) => r.reason);
    expect(refused).toEqual([
      "unsupported_kind",
      "device_quarantined",
      "device_paused",
      "device_fault",
    ]);
    expect(g.auditRows().filter((r) => r.action === "device.test_print")).toHaveLength(4);
  }, 60_000);
});
