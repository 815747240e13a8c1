import type { Transport } from "../../drivers/transport.ts";
import { CodedError } from "../errors.ts";
import { createTransportListeners, oneConnectAtATime } from "./listeners.ts";

/**
 * The slice of usb@3's WebUSB API this transport uses (reference/device-protocols.md §7). The
 * library object is injected: the daemon passes `usb` from the `usb` package, tests a fake of the
 * same shape, so both go through this one code path.
 */
export interface UsbEndpointLike {
  endpointNumber: number;
  direction: "in" | "out";
  type: "bulk" | "interrupt" | "isochronous";
  packetSize?: number;
}
export interface UsbInterfaceLike {
  interfaceNumber: number;
  alternate: { interfaceClass: number; endpoints: UsbEndpointLike[] };
}
export interface UsbDeviceLike {
  vendorId: number;
  productId: number;
  serialNumber?: string | undefined;
  productName?: string | undefined;
  manufacturerName?: string | undefined;
  configuration?: { interfaces: UsbInterfaceLike[] } | null | undefined;
  open(): Promise<void>;
  close(): Promise<void>;
  selectConfiguration(configurationValue: number): Promise<void>;
  claimInterface(interfaceNumber: number): Promise<void>;
  releaseInterface(interfaceNumber: number): Promise<void>;
  transferOut(
    endpointNumber: number,
    data: Uint8Array,
  ): Promise<{ status: string; bytesWritten: number }>;
  transferIn(
    endpointNumber: number,
    length: number,
  ): Promise<{ status: string; data?: DataView | undefined }>;
}
export interface UsbConnectionEventLike {
  device: UsbDeviceLike;
}
export interface UsbLike {
  getDevices(): Promise<UsbDeviceLike[]>;
  addEventListener(type: "disconnect", l: (ev: UsbConnectionEventLike) => void): void;
  removeEventListener(type: "disconnect", l: (ev: UsbConnectionEventLike) => void): void;
}

/** USB class code of printers (USB Device Class Definition for Printing Devices 1.1, §4.3). */
export const USB_CLASS_PRINTER = 0x07;

/** The real library, loaded on first use (a machine without it simply has no USB devices). */
export async function loadUsb(): Promise<UsbLike> {
  const mod = (await import("usb")) as unknown as { usb: UsbLike };
  return mod.usb;
}

/**
 * Attached devices, or none when the machine has no USB subsystem: usb@3 rejects with
 * "/sys/bus/usb/devices/ not found" there (reference/device-protocols.md §7).
 */
export async function listUsbDevices(usb: UsbLike): Promise<UsbDeviceLike[]> {
  try {
    return await usb.getDevices();
  } catch {
    return [];
  }
}

/** True when one of the device's interfaces is of the printer class. */
export function isUsbPrinter(d: UsbDeviceLike): boolean {
  return (d.configuration?.interfaces ?? []).some(
    (i) => i.alternate.interfaceClass === USB_CLASS_PRINTER,
  );
}

export interface UsbTransportOptions {
  vendorId: number;
  productId: number;
  /** Picks one unit when several of the same model are attached. */
  serialNumber?: string | undefined;
  usb: UsbLike | (() => Promise<UsbLike>);
  /** Bytes asked for per bulk IN transfer (default 512). */
  readSize?: number;
}

const hex4 = (n: number) => n.toString(16).padStart(4, "0");

/**
 * A USB printer-class device: bulk OUT for host → printer, bulk IN (when the interface has one)
 * for status replies, read in a loop while open. A detach event for the device, or a failed
 * transfer, is a lost connection; `open()` looks the device up again, so a replugged printer is
 * found by VID:PID and serial number.
 */
export function createUsbTransport(o: UsbTransportOptions): Transport {
  const id = `${hex4(o.vendorId)}:${hex4(o.productId)}${o.serialNumber ? `:${o.serialNumber}` : ""}`;
  let current:
    { device: UsbDeviceLike; iface: number; epOut: number; epIn: number | undefined } | undefined;
  let usb: UsbLike | undefined;
  const listeners = createTransportListeners();
  const offline = (what: string, cause?: unknown) =>
    new CodedError("device_offline", `usb ${id}: ${what}`, { transport: "usb" }, cause);

  const onDisconnect = (ev: UsbConnectionEventLike) => {
    if (current?.device === ev.device) lost("detached");
  };

  function lost(reason: string) {
    const c = current;
    if (!c) return;
    current = undefined;
    c.device.close().catch(() => undefined);
    listeners.emitClose(reason);
  }

  async function readLoop(c: NonNullable<typeof current>) {
    if (c.epIn === undefined) return;
    while (current === c) {
      try {
        const r = await c.device.transferIn(c.epIn, o.readSize ?? 512);
        if (current !== c) return;
        if (r.status !== "ok") throw new Error(r.status);
        if (r.data && r.data.byteLength > 0) {
          const bytes = new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength);
          listeners.emitData(bytes);
        }
      } catch {
        if (current === c) lost("transfer_failed");
        return;
      }
    }
  }

  async function connect(): Promise<void> {
    usb ??= typeof o.usb === "function" ? await o.usb() : o.usb;
    const all = await listUsbDevices(usb);
    const device = all.find(
      (d) =>
        d.vendorId === o.vendorId &&
        d.productId === o.productId &&
        (o.serialNumber === undefined || d.serialNumber === o.serialNumber),
    );
    if (!device) throw offline("not attached");
    try {
      await device.open();
      if (!device.configuration) await device.selectConfiguration(1);
      const iface = (device.configuration?.interfaces ?? []).find(
        (i) => i.alternate.interfaceClass === USB_CLASS_PRINTER,
      );
      if (!iface) throw offline("has no printer-class interface");
      const out = iface.alternate.endpoints.find((e) => e.type === "bulk" && e.direction === "out");
      if (!out) throw offline("has no bulk OUT endpoint");
      const inp = iface.alternate.endpoints.find((e) => e.type === "bulk" && e.direction === "in");
      await device.claimInterface(iface.interfaceNumber);
      usb.removeEventListener("disconnect", onDisconnect);
      usb.addEventListener("disconnect", onDisconnect);
      const c = {
        device,
        iface: iface.interfaceNumber,
        epOut: out.endpointNumber,
        epIn: inp?.endpointNumber,
      };
      current = c;
      void readLoop(c);
    } catch (e) {
      await device.close().catch(() => undefined);
      throw e instanceof CodedError ? e : offline("cannot be opened", e);
    }
  }

  const connectOnce = oneConnectAtATime(connect);
  return {
    describe: `usb:${id}`,
    get isOpen() {
      return current !== undefined;
    },
    open() {
      if (current) return Promise.resolve();
      return connectOnce();
    },
    async write(bytes) {
      const c = current;
      if (!c) throw offline("is not open");
      let r: { status: string; bytesWritten: number };
      try {
        r = await c.device.transferOut(c.epOut, bytes);
      } catch (e) {
        lost("transfer_failed");
        throw offline("write failed", e);
      }
      if (r.status !== "ok" || r.bytesWritten !== bytes.byteLength)
        throw offline(`write stopped after ${r.bytesWritten} of ${bytes.byteLength} bytes`);
    },
    async close() {
      const c = current;
      current = undefined;
      usb?.removeEventListener("disconnect", onDisconnect);
      if (!c) return;
      await c.device.releaseInterface(c.iface).catch(() => undefined);
      await c.device.close().catch(() => undefined);
    },
    onData: listeners.onData,
    onClose: listeners.onClose,
  };
}
