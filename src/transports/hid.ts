import type { Transport } from "../../drivers/transport.ts";
import { CodedError } from "../errors.ts";
import { bytesOf, createTransportListeners, oneConnectAtATime } from "./listeners.ts";

/**
 * The slice of node-hid 3 this module uses (reference/device-protocols.md §7: `devicesAsync()`,
 * `HIDAsync.open(path)`, `write([reportId, …])`, `data` / `error` events). Injected: the daemon
 * passes the real library through {@link loadHid}, tests a fake of the same shape.
 */
export interface HidDeviceInfo {
  vendorId: number;
  productId: number;
  path?: string | undefined;
  serialNumber?: string | undefined;
  manufacturer?: string | undefined;
  product?: string | undefined;
  usagePage?: number | undefined;
  usage?: number | undefined;
}
export interface HidHandleLike {
  on(event: "data", l: (report: Buffer) => void): unknown;
  on(event: "error", l: (err: Error) => void): unknown;
  removeAllListeners(): unknown;
  write(values: number[] | Buffer): Promise<number>;
  close(): Promise<void>;
}
export interface HidLike {
  devicesAsync(): Promise<HidDeviceInfo[]>;
  open(path: string): Promise<HidHandleLike>;
}

export async function loadHid(): Promise<HidLike> {
  const m = (await import("node-hid")) as unknown as {
    devicesAsync(): Promise<HidDeviceInfo[]>;
    HIDAsync: { open(path: string): Promise<HidHandleLike> };
  };
  return { devicesAsync: () => m.devicesAsync(), open: (p) => m.HIDAsync.open(p) };
}

/** Attached HID devices; none when the library cannot enumerate (no hidraw, no udev). */
export async function listHidDevices(hid: HidLike): Promise<HidDeviceInfo[]> {
  try {
    return await hid.devicesAsync();
  } catch {
    return [];
  }
}

export interface HidMatch {
  vendorId: number;
  productId: number;
  serialNumber?: string | undefined;
  /** A hidraw path pins one interface of a composite device. */
  path?: string | undefined;
}

const hex4 = (n: number) => n.toString(16).padStart(4, "0");
export const describeHid = (m: HidMatch) =>
  `hid:${hex4(m.vendorId)}:${hex4(m.productId)}${m.serialNumber ? `:${m.serialNumber}` : ""}`;

/** Opens the first attached device matching `m`; rejects with `device_offline`. */
export async function openHid(hid: HidLike, m: HidMatch): Promise<HidHandleLike> {
  const found = (await listHidDevices(hid)).find(
    (d) =>
      d.vendorId === m.vendorId &&
      d.productId === m.productId &&
      (m.serialNumber === undefined || d.serialNumber === m.serialNumber) &&
      (m.path === undefined || d.path === m.path),
  );
  if (found?.path === undefined)
    throw new CodedError("device_offline", `${describeHid(m)} is not attached`, {
      transport: "hid",
    });
  try {
    return await hid.open(found.path);
  } catch (e) {
    throw new CodedError(
      "device_offline",
      `${describeHid(m)} cannot be opened`,
      { transport: "hid" },
      e,
    );
  }
}

export interface HidTransportOptions extends HidMatch {
  hid: HidLike | (() => Promise<HidLike>);
  /** Output report size in bytes without the report ID (default 64). */
  reportSize?: number;
  /** Report ID put before every output report (default 0: the device uses no numbered reports). */
  reportId?: number;
}

/**
 * A report-based HID device as a byte pipe: writes are cut into output reports (report ID first,
 * then up to `reportSize` bytes, zero-padded), input reports arrive as data chunks. An `error`
 * event (unplug) is a lost connection; `open()` looks the device up again.
 */
export function createHidTransport(o: HidTransportOptions): Transport {
  let handle: HidHandleLike | undefined;
  let hid: HidLike | undefined;
  const size = o.reportSize ?? 64;
  const listeners = createTransportListeners();

  async function connect() {
    hid ??= typeof o.hid === "function" ? await o.hid() : o.hid;
    const h = await openHid(hid, o);
    h.on("data", (report: Buffer) => listeners.emitData(bytesOf(report)));
    h.on("error", () => {
      if (handle !== h) return;
      handle = undefined;
      h.removeAllListeners();
      h.close().catch(() => undefined);
      listeners.emitClose("detached");
    });
    handle = h;
  }

  const connectOnce = oneConnectAtATime(connect);
  return {
    describe: describeHid(o),
    get isOpen() {
      return handle !== undefined;
    },
    open() {
      if (handle) return Promise.resolve();
      return connectOnce();
    },
    async write(bytes) {
      const h = handle;
      if (!h)
        throw new CodedError("device_offline", `${describeHid(o)} is not open`, {
          transport: "hid",
        });
      for (let off = 0; off < bytes.byteLength; off += size) {
        const report = Buffer.alloc(size + 1);
        report[0] = o.reportId ?? 0;
        report.set(bytes.subarray(off, off + size), 1);
        try {
          await h.write(report);
        } catch (e) {
          throw new CodedError(
            "device_offline",
            `write to ${describeHid(o)} failed at byte ${off}`,
            { transport: "hid" },
            e,
          );
        }
      }
    },
    async close() {
      const h = handle;
      handle = undefined;
      if (!h) return;
      h.removeAllListeners();
      await h.close().catch(() => undefined);
    },
    onData: listeners.onData,
    onClose: listeners.onClose,
  };
}
