/**
 * Hosts a device simulator on a serial port: in tests, the far end of a socat PTY pair
 * (reference/device-protocols.md §8), like a printer's RS-232 port. The simulator object lives as
 * long as the host, as a printer does: a cable pulled (socat killed) and plugged back (socat
 * restarted) reaches the same printer, with whatever it holds in its buffer. While the port is
 * gone the host tries to reopen it every `reopenMs`.
 *
 * Printed formats are kept in memory (`formats`) and, with `outputDir`, written as `<n>.<ext>`.
 */
import { mkdirSync, realpathSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { loadSerialPort } from "../transports/serial.ts";
import type { SimulatorLike, SimulatorSink } from "./tcp-host.ts";

/** The port class comes through src/transports, the one place that loads serialport (DESIGN §1). */
type SerialPort = InstanceType<ReturnType<typeof loadSerialPort>>;

export interface HostSimulatorOnSerialOptions<S extends SimulatorLike> {
  /** The device-side path, e.g. the `ttyB` link of a socat pair. */
  path: string;
  baudRate?: number;
  createSimulator: (sink: SimulatorSink) => S;
  /** When set, each printed format is also written to `<outputDir>/<n>.<extension>`. */
  outputDir?: string;
  /** File extension of written formats (default `zpl`). */
  extension?: string;
  /** Delay between reopen attempts while the port is gone (default 50 ms). */
  reopenMs?: number;
}

export interface HostedSerialSimulator<S extends SimulatorLike> {
  readonly simulator: S;
  /** Every format printed so far, in order. */
  readonly formats: readonly Uint8Array[];
  /** True while the port is open. */
  readonly connected: boolean;
  /** Resolves once `n` formats have been printed (n counts from 1). */
  waitForFormats(n: number): Promise<void>;
  /** Resolves once the port is open (again). */
  waitConnected(): Promise<void>;
  /** Called synchronously for each printed format (fault scripts hook in here). */
  onPrinted(listener: (n: number, bytes: Uint8Array) => void): () => void;
  close(): Promise<void>;
}

export async function hostSimulatorOnSerial<S extends SimulatorLike>(
  o: HostSimulatorOnSerialOptions<S>,
): Promise<HostedSerialSimulator<S>> {
  const ext = o.extension ?? "zpl";
  if (o.outputDir !== undefined) mkdirSync(o.outputDir, { recursive: true });
  const formats: Uint8Array[] = [];
  const printedListeners = new Set<(n: number, bytes: Uint8Array) => void>();
  const formatWaiters: Array<{ n: number; resolve: () => void }> = [];
  let connectWaiters: Array<() => void> = [];
  let port: SerialPort | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let files: Promise<void> = Promise.resolve();

  const sink: SimulatorSink = {
    reply(bytes) {
      if (port?.isOpen) port.write(Buffer.from(bytes));
    },
    printed({ bytes }) {
      const copy = bytes.slice();
      formats.push(copy);
      const n = formats.length;
      if (o.outputDir !== undefined) {
        const file = join(o.outputDir, `${n}.${ext}`);
        files = files.then(() => writeFile(file, copy)).catch(() => undefined);
      }
      for (const l of [...printedListeners]) l(n, copy);
      for (let i = formatWaiters.length - 1; i >= 0; i--) {
        const w = formatWaiters[i]!;
        if (w.n <= n) {
          formatWaiters.splice(i, 1);
          w.resolve();
        }
      }
    },
  };
  const simulator = o.createSimulator(sink);

  const scheduleReopen = () => {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      tryOpen();
    }, o.reopenMs ?? 50);
  };

  const tryOpen = () => {
    if (closed) return;
    let device: string;
    try {
      device = realpathSync(o.path);
    } catch {
      scheduleReopen();
      return;
    }
    const p = new (loadSerialPort())({
      path: device,
      baudRate: o.baudRate ?? 9600,
      autoOpen: false,
    });
    p.on("error", () => undefined);
    p.open((err) => {
      if (err || closed) {
        if (p.isOpen) p.close(() => undefined);
        scheduleReopen();
        return;
      }
      port = p;
      p.on("data", (chunk: Buffer) =>
        simulator.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)),
      );
      // The far end vanishing shows up as `close` or, on a PTY, as a read error (EIO) that
      // leaves the port object open: either way the line is gone and is reopened by path.
      const lost = () => {
        if (port !== p) return;
        port = undefined;
        if (p.isOpen) p.close(() => undefined);
        scheduleReopen();
      };
      p.on("close", lost);
      p.on("error", lost);
      // A PTY slave whose master went away may report nothing until it is written to; the
      // path's link moving (or vanishing) is the reliable sign, as a by-id link is for udev.
      const watch = setInterval(() => {
        if (port !== p) return clearInterval(watch);
        let now: string | undefined;
        try {
          now = realpathSync(o.path);
        } catch {
          now = undefined;
        }
        if (now !== device) {
          clearInterval(watch);
          lost();
        }
      }, o.reopenMs ?? 50);
      watch.unref();
      const ws = connectWaiters;
      connectWaiters = [];
      for (const w of ws) w();
    });
  };
  tryOpen();

  return {
    simulator,
    formats,
    get connected() {
      return port?.isOpen ?? false;
    },
    waitForFormats(n) {
      if (formats.length >= n) return Promise.resolve();
      return new Promise((resolve) => formatWaiters.push({ n, resolve }));
    },
    waitConnected() {
      if (port?.isOpen) return Promise.resolve();
      return new Promise((resolve) => connectWaiters.push(resolve));
    },
    onPrinted(l) {
      printedListeners.add(l);
      return () => printedListeners.delete(l);
    },
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const p = port;
      port = undefined;
      if (p?.isOpen) await new Promise<void>((resolve) => p.close(() => resolve()));
      await files;
    },
  };
}
