import { describe, expect, it } from "vitest";
import { zebraZpl } from "../../../drivers/zebra-zpl/index.ts";
import type { DeviceSnapshot } from "../../../drivers/snapshot.ts";
import type { Transport } from "../../../drivers/transport.ts";
import { createUsbTransport, isUsbPrinter, listUsbDevices } from "../../../src/transports/usb.ts";
import { fakeUsb, fakeUsbPrinter } from "../../helpers/fake-usb.ts";

const FORMAT = new TextEncoder().encode("^XA^FO50,50^A0N,40,40^FDSF1234567890123^FS^XZ");

function status(t: Transport): Promise<DeviceSnapshot> {
  const reader = zebraZpl.status.createReader(Date.now());
  return new Promise((resolve) => {
    const off = t.onData((c) => {
      const s = reader.push(c);
      if (s) {
        off();
        resolve(s);
      }
    });
    void t.write(zebraZpl.status.request);
  });
}

describe("USB printer-class transport over the WebUSB API (fake usb@3)", () => {
  it("prints on bulk OUT and reads ~HS back on bulk IN, choosing the unit by serial number", async () => {
    const usb = fakeUsb();
    const other = fakeUsbPrinter({ serialNumber: "99J000000001" });
    const mine = fakeUsbPrinter({ serialNumber: "99J000000002" });
    usb.attach(other);
    usb.attach(mine);
    const t = createUsbTransport({
      vendorId: 0x0a5f,
      productId: 0x0166,
      serialNumber: "99J000000002",
      usb,
    });
    expect(t.describe).toBe("usb:0a5f:0166:99J000000002");
    await t.open();
    await t.write(FORMAT);
    expect(mine.printed).toHaveLength(1);
    expect(other.printed).toHaveLength(0);
    mine.sim.setFault("media_out", true);
    await expect(status(t)).resolves.toMatchObject({
      reachability: "online",
      conditions: ["media_out"],
    });
    await t.close();
    expect(mine.opened).toBe(false);
  });

  it("a detach is a lost connection; the replugged printer is found again", async () => {
    const usb = fakeUsb();
    const p = fakeUsbPrinter({});
    usb.attach(p);
    const t = createUsbTransport({ vendorId: 0x0a5f, productId: 0x0166, usb });
    await t.open();
    const reasons: string[] = [];
    t.onClose((r) => reasons.push(r));
    usb.detach(p);
    expect(reasons).toEqual(["detached"]);
    expect(t.isOpen).toBe(false);
    await expect(t.write(FORMAT)).rejects.toMatchObject({ code: "device_offline" });
    await expect(t.open()).rejects.toMatchObject({ code: "device_offline" });
    usb.attach(p);
    await t.open();
    await t.write(FORMAT);
    expect(p.printed).toHaveLength(1);
    await t.close();
  });

  it("a machine without USB sysfs has no USB devices: open is device_offline, discovery is empty", async () => {
    const usb = fakeUsb({ noSysfs: true });
    await expect(listUsbDevices(usb)).resolves.toEqual([]);
    const t = createUsbTransport({ vendorId: 0x0a5f, productId: 0x0166, usb });
    await expect(t.open()).rejects.toMatchObject({ code: "device_offline" });
  });

  it("recognizes printer-class devices", () => {
    const p = fakeUsbPrinter({});
    expect(isUsbPrinter(p)).toBe(true);
    expect(isUsbPrinter({ ...p, configuration: { interfaces: [] } })).toBe(false);
  });
});

describe("the real libraries on this machine", () => {
  it("usb@3 and node-hid load and find no devices on a VM without a USB bus", async () => {
    const { loadUsb } = await import("../../../src/transports/usb.ts");
    const { loadHid, listHidDevices } = await import("../../../src/transports/hid.ts");
    await expect(listUsbDevices(await loadUsb())).resolves.toEqual([]);
    const hid = await listHidDevices(await loadHid());
    expect(Array.isArray(hid)).toBe(true);
  });
});
