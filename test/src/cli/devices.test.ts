import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateConfig } from "../../../src/config/load.ts";
import { runDevicesList, runDevicesScan, scanDevices } from "../../../src/cli/devices.ts";
import { fakeHid } from "../../helpers/fake-hid.ts";
import { fakeUsb, fakeUsbPrinter } from "../../helpers/fake-usb.ts";
import { startTestGateway, type TestGateway } from "../../helpers/gateway.ts";

const config = validateConfig(
  {
    devices: [
      {
        id: "zpl-usb",
        driver: "zebra-zpl",
        transport: { type: "usb", vendor_id: 0x0a5f, product_id: 0x0166, serial_number: "99J1" },
      },
      {
        id: "zpl-com",
        driver: "zebra-zpl",
        transport: { type: "serial", path: "/dev/ttyS7" },
      },
    ],
  },
  "test",
);

function deps(lines: string[]) {
  const usb = fakeUsb();
  usb.attach(fakeUsbPrinter({ serialNumber: "99J1" }));
  usb.attach(fakeUsbPrinter({ serialNumber: "99J2" }));
  const hid = fakeHid();
  hid.attach({ vendorId: 0x05e0, productId: 0x1200, serialNumber: "SC9", product: "scanner" });
  return {
    listSerial: async () => [
      { path: "/dev/ttyS7" },
      { path: "/dev/ttyUSB0", vendorId: "1a86", productId: "7523" },
    ],
    usb: async () => usb,
    hid: async () => hid,
    out: (l: string) => lines.push(l),
  };
}

describe("labelgate devices scan", () => {
  it("lists serial ports, USB printers and HID devices and marks the registered ones", async () => {
    const found = await scanDevices(config, deps([]));
    expect(found).toEqual([
      expect.objectContaining({ kind: "serial", path: "/dev/ttyS7", registered: "zpl-com" }),
      expect.objectContaining({
        kind: "serial",
        path: "/dev/ttyUSB0",
        vendor_id: 0x1a86,
        registered: null,
      }),
      expect.objectContaining({ kind: "usb", serial_number: "99J1", registered: "zpl-usb" }),
      expect.objectContaining({ kind: "usb", serial_number: "99J2", registered: null }),
      expect.objectContaining({ kind: "hid", vendor_id: 0x05e0, registered: null }),
    ]);
  });

  it("prints a config snippet for each unregistered device that validates once given an id", async () => {
    const lines: string[] = [];
    expect(await runDevicesScan(config, {}, deps(lines))).toBe(0);
    const text = lines.join("\n");
    expect(text).toContain("registered as zpl-usb");
    expect(text).toContain(
      'transport: { type: usb, vendor_id: 0x0a5f, product_id: 0x0166, serial_number: "99J2" }',
    );
    expect(text).toContain('transport: { type: serial, path: "/dev/ttyUSB0", baud_rate: 9600 }');
  });

  it("a machine with no USB bus and no HID library still scans (nothing found there)", async () => {
    const lines: string[] = [];
    const d = {
      ...deps(lines),
      usb: async () => fakeUsb({ noSysfs: true }),
      hid: async () => undefined,
      listSerial: async () => [],
    };
    expect(await runDevicesScan(config, { json: true }, d)).toBe(0);
    expect(lines).toEqual([]);
  });
});

describe("labelgate devices list", () => {
  let g: TestGateway;
  beforeAll(async () => {
    g = await startTestGateway();
    await g.probe.waitFor(
      (m) => m.topic === "labelgate/demo/device/zpl-1/state" && m.json["reachability"] === "online",
      15_000,
      "device online",
    );
  });
  afterAll(async () => {
    await g.stop();
  });

  it("shows each registered device with its live state", async () => {
    const lines: string[] = [];
    const code = await runDevicesList(
      { url: g.url, base: "labelgate", site: "demo", gateway: "gw1", timeout: 5000, json: true },
      (l) => lines.push(l),
    );
    expect(code).toBe(0);
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([
      expect.objectContaining({
        id: "zpl-1",
        driver: "zebra-zpl",
        transport: "tcp",
        availability: "online",
      }),
    ]);
  });

  it("exits 3 when no gateway answers", async () => {
    const code = await runDevicesList(
      { url: g.url, base: "labelgate", site: "demo", gateway: "nobody", timeout: 300 },
      () => undefined,
    );
    expect(code).toBe(3);
  });
});
