import { describe, expect, it } from "vitest";
import { createHidTransport, listHidDevices } from "../../../src/transports/hid.ts";
import {
  createHidPosDecoder,
  createHidScanner,
  createKeyboardWedgeDecoder,
} from "../../../src/transports/hid-scanner.ts";
import { fakeHid, keyboardReports } from "../../helpers/fake-hid.ts";

describe("HID over the node-hid API (fake node-hid)", () => {
  it("a keyboard-wedge scanner's reports become one scan per Enter, with shift and repeated keys", async () => {
    const hid = fakeHid();
    const dev = hid.attach({ vendorId: 0x05e0, productId: 0x1200, serialNumber: "S1" });
    const scans: string[] = [];
    const scanner = createHidScanner({
      hid,
      vendorId: 0x05e0,
      productId: 0x1200,
      mode: "keyboard",
      onScan: (c) => scans.push(c),
    });
    await scanner.start();
    for (const r of keyboardReports("SF1234567890123")) dev.send(r);
    for (const r of keyboardReports("JD0011223344")) dev.send(r);
    expect(scans).toEqual(["SF1234567890123", "JD0011223344"]);
    await scanner.stop();
  });

  it("a held key counts once; Enter alone yields nothing", () => {
    const d = createKeyboardWedgeDecoder();
    const a = Uint8Array.of(0, 0, 0x04, 0, 0, 0, 0, 0);
    expect([...d.push(a), ...d.push(a), ...d.push(new Uint8Array(8))]).toEqual([]);
    expect(d.push(Uint8Array.of(0, 0, 0x28, 0, 0, 0, 0, 0))).toEqual(["a"]);
    expect(d.push(new Uint8Array(8))).toEqual([]);
    expect(d.push(Uint8Array.of(0, 0, 0x28, 0, 0, 0, 0, 0))).toEqual([]);
  });

  it("HID POS reports are joined until a report that is not full", () => {
    const d = createHidPosDecoder(4);
    const enc = (s: string) => [...s].map((c) => c.charCodeAt(0));
    expect(d.push(Uint8Array.of(0x02, 4, ...enc("SF12")))).toEqual([]);
    expect(d.push(Uint8Array.of(0x02, 3, ...enc("345"), 0))).toEqual(["SF12345"]);
    expect(d.push(Uint8Array.of(0x01, 3, ...enc("xyz")))).toEqual([]);
  });

  it("an unplugged scanner reports the loss and can be started again after replug", async () => {
    const hid = fakeHid();
    const info = { vendorId: 0x05e0, productId: 0x1200, path: "/dev/hidraw7" };
    hid.attach(info);
    let lost = 0;
    const scanner = createHidScanner({
      hid,
      ...info,
      mode: "keyboard",
      onScan: () => undefined,
      onLost: () => lost++,
    });
    await scanner.start();
    hid.unplug("/dev/hidraw7");
    expect(lost).toBe(1);
    expect(scanner.running).toBe(false);
    await expect(scanner.start()).rejects.toMatchObject({ code: "device_offline" });
    hid.attach(info);
    await scanner.start();
    expect(scanner.running).toBe(true);
  });

  it("the report transport cuts writes into numbered output reports and delivers input reports", async () => {
    const hid = fakeHid();
    const dev = hid.attach({ vendorId: 0x1234, productId: 0x0001, serialNumber: "P9" });
    const t = createHidTransport({
      hid,
      vendorId: 0x1234,
      productId: 0x0001,
      serialNumber: "P9",
      reportSize: 4,
      reportId: 5,
    });
    expect(t.describe).toBe("hid:1234:0001:P9");
    await t.open();
    await t.write(Uint8Array.of(1, 2, 3, 4, 5, 6));
    expect(dev.written.map((b) => [...b])).toEqual([
      [5, 1, 2, 3, 4],
      [5, 5, 6, 0, 0],
    ]);
    const got: number[][] = [];
    t.onData((c) => got.push([...c]));
    dev.send(Uint8Array.of(9, 8));
    expect(got).toEqual([[9, 8]]);
    const reasons: string[] = [];
    t.onClose((r) => reasons.push(r));
    hid.unplug(dev.info.path!);
    expect(reasons).toEqual(["detached"]);
    await expect(t.write(Uint8Array.of(1))).rejects.toMatchObject({ code: "device_offline" });
  });

  it("enumeration failures mean no devices", async () => {
    const broken = {
      devicesAsync: () => Promise.reject(new Error("no udev")),
      open: () => Promise.reject(new Error("x")),
    };
    await expect(listHidDevices(broken)).resolves.toEqual([]);
  });
});
