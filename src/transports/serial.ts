import { realpathSync } from "node:fs";
import { createRequire } from "node:module";
import type { Transport } from "../../drivers/transport.ts";
import { CodedError } from "../errors.ts";
import { bytesOf, createTransportListeners, oneConnectAtATime } from "./listeners.ts";

/**
 * The slice of serialport 13's `SerialPortStream` this transport uses. Injected (STYLE.md:
 * "the binding is injected, never imported" by callers), so tests can stand `SerialPortMock`
 * behind the same code path that drives a real port.
 */
export interface SerialPortLike {
  readonly isOpen: boolean;
  open(cb: (err: Error | null) => void): void;
  write(chunk: Uint8Array, cb: (err: Error | null | undefined) => void): boolean;
  drain(cb: (err: Error | null) => void): void;
  close(cb?: (err: Error | null) => void): void;
  on(event: "data", l: (chunk: Buffer) => void): unknown;
  on(event: "close", l: (err?: Error | null) => void): unknown;
  on(event: "error", l: (err: Error) => void): unknown;
  removeAllListeners(): unknown;
}

export interface SerialOpenOptions {
  path: string;
  baudRate: number;
  dataBits: 5 | 6 | 7 | 8;
  stopBits: 1 | 2;
  parity: "none" | "even" | "odd";
  rtscts: boolean;
  xon: boolean;
  xoff: boolean;
}

/** Makes a port object without opening it (`autoOpen: false`). */
export type SerialPortFactory = (o: SerialOpenOptions) => SerialPortLike;

export interface SerialTransportOptions {
  /** `/dev/ttyUSB0`, a stable `/dev/serial/by-id/…` link, or a socat PTY link in tests. */
  path: string;
  /** Default 9600 (the factory setting of most label printers' RS-232 ports). */
  baudRate?: number;
  dataBits?: 5 | 6 | 7 | 8;
  stopBits?: 1 | 2;
  parity?: "none" | "even" | "odd";
  /** Flow control: `rtscts` (hardware) or `xonxoff` (software); default none. */
  flowControl?: "none" | "rtscts" | "xonxoff";
  /** Default: serialport's own `SerialPort` (native bindings). */
  factory?: SerialPortFactory;
  /**
   * How often (ms) to check that `path` still leads to the device that was opened (default 250;
   * 0 turns it off). An unplugged USB adapter's node and by-id link vanish, and a PTY whose far
   * end died reports nothing until written to: the path changing is the sign that the line is gone.
   */
  watchMs?: number;
}

/**
 * serialport's `SerialPort`, loaded when the first port is made or listed: its native binding
 * costs about 10 MB resident in a gateway without serial devices (README "Performance").
 */
let serialPortClass: (typeof import("serialport"))["SerialPort"] | undefined;
export function loadSerialPort(): (typeof import("serialport"))["SerialPort"] {
  serialPortClass ??= (createRequire(import.meta.url)("serialport") as typeof import("serialport"))
    .SerialPort;
  return serialPortClass;
}

const defaultFactory: SerialPortFactory = (o) =>
  new (loadSerialPort())({ ...o, autoOpen: false }) as unknown as SerialPortLike;

/**
 * A serial port (RS-232 / USB-CDC). `open()` opens the port by path each time, so after an
 * unplug / replug (or a socat restart in tests) the next `open()` finds the new device behind the
 * same by-id link; reconnecting with backoff is the device runtime's job. `write()` resolves
 * after `tcdrain()` (serialport's `drain`), i.e. once the OS has sent the bytes. No modem-line
 * ioctls are used: PTYs reject them (reference/device-protocols.md §8).
 */
export function createSerialTransport(o: SerialTransportOptions): Transport {
  const factory = o.factory ?? defaultFactory;
  const flow = o.flowControl ?? "none";
  let port: SerialPortLike | undefined;
  const listeners = createTransportListeners();

  const offline = (what: string, cause?: unknown) =>
    new CodedError("device_offline", `serial ${what}`, { transport: "serial" }, cause);

  const resolvePath = (): string | undefined => {
    try {
      return realpathSync(o.path);
    } catch {
      return undefined;
    }
  };

  function connect(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const device = o.factory === undefined ? resolvePath() : o.path;
      let p: SerialPortLike;
      try {
        p = factory({
          path: o.path,
          baudRate: o.baudRate ?? 9600,
          dataBits: o.dataBits ?? 8,
          stopBits: o.stopBits ?? 1,
          parity: o.parity ?? "none",
          rtscts: flow === "rtscts",
          xon: flow === "xonxoff",
          xoff: flow === "xonxoff",
        });
      } catch (e) {
        reject(offline("port cannot be created", e));
        return;
      }
      p.open((err) => {
        if (err) {
          p.removeAllListeners();
          reject(offline(`cannot open ${o.path}: ${errCode(err)}`, err));
          return;
        }
        let lost = false;
        const onLost = (reason: string) => {
          if (lost) return;
          lost = true;
          if (port === p) port = undefined;
          p.removeAllListeners();
          // A port that failed is closed so its file descriptor is not leaked.
          if (p.isOpen) p.close(() => undefined);
          listeners.emitClose(reason);
        };
        p.on("data", (chunk: Buffer) => listeners.emitData(bytesOf(chunk)));
        // serialport emits `close` with a `disconnected` error when the device goes away.
        p.on("close", (e?: Error | null) => {
          if (port === p) onLost(e ? errCode(e) : "closed");
        });
        p.on("error", (e: Error) => onLost(errCode(e)));
        port = p;
        const watchMs = o.watchMs ?? 250;
        if (watchMs > 0 && device !== undefined) {
          const watch = setInterval(() => {
            if (lost || port !== p) return clearInterval(watch);
            if (resolvePath() !== device) {
              clearInterval(watch);
              onLost("path_changed");
            }
          }, watchMs);
          watch.unref();
        }
        resolve();
      });
    });
  }

  const connectOnce = oneConnectAtATime(connect);
  return {
    describe: `serial:${o.path}`,
    get isOpen() {
      return port !== undefined && port.isOpen;
    },
    open() {
      if (port?.isOpen) return Promise.resolve();
      return connectOnce();
    },
    write(bytes) {
      const p = port;
      if (!p?.isOpen) return Promise.reject(offline(`${o.path} is not open`));
      return new Promise<void>((resolve, reject) => {
        p.write(bytes, (e) => {
          if (e) reject(offline(`write to ${o.path} failed`, e));
        });
        p.drain((e) => {
          if (e) reject(offline(`write to ${o.path} failed`, e));
          else resolve();
        });
      });
    },
    async close() {
      const p = port;
      port = undefined;
      if (!p) return;
      p.removeAllListeners();
      // serialport may emit a late error after close; it must not crash the process.
      p.on("error", () => undefined);
      if (p.isOpen) await new Promise<void>((resolve) => p.close(() => resolve()));
    },
    onData: listeners.onData,
    onClose: listeners.onClose,
  };
}

function errCode(e: Error): string {
  const c = (e as NodeJS.ErrnoException).code;
  if (typeof c === "string") return c;
  // serialport reports unplug as `{disconnected: true}` on the error object.
  if ((e as { disconnected?: boolean }).disconnected === true) return "disconnected";
  return "error";
}

/** An attached serial port as the OS lists it (serialport's `SerialPort.list()`). */
export interface SerialPortInfo {
  path: string;
  vendorId?: string | undefined;
  productId?: string | undefined;
  serialNumber?: string | undefined;
  manufacturer?: string | undefined;
}

/** The serial ports of this machine (USB adapters, on-board UARTs); PTYs are not listed. */
export function listSerialPorts(): Promise<SerialPortInfo[]> {
  return loadSerialPort().list();
}
