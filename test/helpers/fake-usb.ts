import { createZplSimulator, type ZplSimulator } from "../../drivers/zebra-zpl/simulator.ts";
import type { UsbConnectionEventLike, UsbDeviceLike, UsbLike } from "../../src/transports/usb.ts";

/**
 * A fake of usb@3's WebUSB surface (reference/device-protocols.md §7: `open`, `claimInterface`,
 * `transferOut` resolving `{status, bytesWritten}`, `transferIn` resolving `{status, data}`),
 * with a ZPL printer simulator behind the bulk endpoints. It enforces the contract the real
 * library has: transfers need an opened device with a claimed interface, and a pending
 * `transferIn` fails when the device closes or is detached.
 */
export interface FakeUsbPrinter extends UsbDeviceLike {
  readonly sim: ZplSimulator;
  readonly printed: Uint8Array[];
  readonly opened: boolean;
}

export function fakeUsbPrinter(o: {
  vendorId?: number;
  productId?: number;
  serialNumber?: string;
}): FakeUsbPrinter {
  const printed: Uint8Array[] = [];
  const pendingIn: Uint8Array[] = [];
  let wake: (() => void) | undefined;
  let opened = false;
  let claimed = false;
  let generation = 0;
  const sim = createZplSimulator({
    sink: {
      reply: (b) => {
        pendingIn.push(b.slice());
        wake?.();
      },
      printed: (f) => printed.push(f.bytes.slice()),
    },
  });
  const closeNow = () => {
    opened = false;
    claimed = false;
    generation++;
    wake?.();
  };
  const dev: FakeUsbPrinter & { detach(): void } = {
    vendorId: o.vendorId ?? 0x0a5f,
    productId: o.productId ?? 0x0166,
    serialNumber: o.serialNumber,
    productName: "ZT410 (fake)",
    manufacturerName: "Zebra Technologies",
    configuration: {
      interfaces: [
        {
          interfaceNumber: 0,
          alternate: {
            interfaceClass: 0x07,
            endpoints: [
              { endpointNumber: 1, direction: "out", type: "bulk" },
              { endpointNumber: 2, direction: "in", type: "bulk" },
            ],
          },
        },
      ],
    },
    sim,
    printed,
    get opened() {
      return opened;
    },
    async open() {
      opened = true;
    },
    async close() {
      closeNow();
    },
    async selectConfiguration() {},
    async claimInterface(n) {
      if (!opened || n !== 0) throw new Error("claimInterface: device not open or bad interface");
      claimed = true;
    },
    async releaseInterface() {
      claimed = false;
    },
    async transferOut(ep, data) {
      if (!claimed || ep !== 1) throw new Error("transferOut: interface not claimed");
      sim.receive(data.slice());
      return { status: "ok", bytesWritten: data.byteLength };
    },
    async transferIn(ep, length) {
      if (!claimed || ep !== 2) throw new Error("transferIn: interface not claimed");
      const gen = generation;
      while (pendingIn.length === 0) {
        await new Promise<void>((r) => (wake = r));
        if (gen !== generation) throw new Error("transferIn: device closed");
      }
      const next = pendingIn.shift()!;
      const chunk = next.slice(0, length);
      if (next.byteLength > length) pendingIn.unshift(next.slice(length));
      return { status: "ok", data: new DataView(chunk.buffer) };
    },
    detach() {
      closeNow();
    },
  };
  return dev;
}

export interface FakeUsb extends UsbLike {
  attach(d: UsbDeviceLike): void;
  detach(d: UsbDeviceLike): void;
}

/** The library object: attached devices and `disconnect` events. `noSysfs` mimics a VM. */
export function fakeUsb(o: { noSysfs?: boolean } = {}): FakeUsb {
  const devices = new Set<UsbDeviceLike>();
  const listeners = new Set<(ev: UsbConnectionEventLike) => void>();
  return {
    async getDevices() {
      if (o.noSysfs) throw new Error("/sys/bus/usb/devices/ not found");
      return [...devices];
    },
    addEventListener(_t, l) {
      listeners.add(l);
    },
    removeEventListener(_t, l) {
      listeners.delete(l);
    },
    attach(d) {
      devices.add(d);
    },
    detach(d) {
      devices.delete(d);
      (d as { detach?: () => void }).detach?.();
      for (const l of [...listeners]) l({ device: d });
    },
  };
}
