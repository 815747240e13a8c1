import { Socket } from "node:net";
import type { Transport } from "../../drivers/transport.ts";
import { CodedError } from "../errors.ts";
import { bytesOf, createTransportListeners, oneConnectAtATime } from "./listeners.ts";

export interface TcpTransportOptions {
  host: string;
  port: number;
  /** How long a connection attempt may take (ms). */
  connectTimeoutMs: number;
  /** TCP keepalive probe delay (ms); a dead peer is found by status polling well before this. */
  keepAliveMs?: number;
}

/**
 * Raw TCP to a printer port (9100 for ZPL/TSPL/ESC-POS, 6101 for CPCL). `open()` connects once;
 * reconnecting is the device runtime's job (it calls `open()` again, with backoff), so a write
 * never silently goes to a new connection the caller did not see.
 */
export function createTcpTransport(o: TcpTransportOptions): Transport {
  let socket: Socket | undefined;
  const listeners = createTransportListeners();

  function connect(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const s = new Socket();
      let settled = false;
      const timer = setTimeout(() => fail(new Error("connect timeout")), o.connectTimeoutMs);
      function fail(e: Error) {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        s.destroy();
        reject(
          new CodedError(
            "device_offline",
            `cannot connect to ${o.host}:${o.port}: ${(e as NodeJS.ErrnoException).code ?? e.message}`,
            {
              transport: "tcp",
            },
          ),
        );
      }
      s.once("error", fail);
      s.connect({ host: o.host, port: o.port }, () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        s.off("error", fail);
        s.setNoDelay(true);
        s.setKeepAlive(true, o.keepAliveMs ?? 10_000);
        let lost = false;
        const onLost = (reason: string) => {
          if (lost) return;
          lost = true;
          if (socket === s) socket = undefined;
          listeners.emitClose(reason);
        };
        s.on("data", (chunk: Buffer) => listeners.emitData(bytesOf(chunk)));
        s.on("error", (e: NodeJS.ErrnoException) => onLost(e.code ?? "error"));
        s.on("close", () => {
          if (socket === s) onLost("closed by peer");
        });
        socket = s;
        resolve();
      });
    });
  }

  const connectOnce = oneConnectAtATime(connect);
  return {
    describe: `tcp:${o.host}:${o.port}`,
    get isOpen() {
      return socket !== undefined && !socket.destroyed;
    },
    open() {
      if (socket && !socket.destroyed) return Promise.resolve();
      return connectOnce();
    },
    write(bytes) {
      const s = socket;
      if (!s || s.destroyed) {
        return Promise.reject(
          new CodedError("device_offline", `${o.host}:${o.port} is not connected`, {
            transport: "tcp",
          }),
        );
      }
      return new Promise<void>((resolve, reject) => {
        s.write(bytes, (e) => {
          if (e)
            reject(
              new CodedError(
                "device_offline",
                `write to ${o.host}:${o.port} failed`,
                { transport: "tcp" },
                e,
              ),
            );
          else resolve();
        });
      });
    },
    async close() {
      const s = socket;
      socket = undefined;
      if (s && !s.destroyed) {
        await new Promise<void>((resolve) => {
          s.once("close", () => resolve());
          s.end();
          setTimeout(() => {
            s.destroy();
            resolve();
          }, 500).unref();
        });
      }
    },
    onData: listeners.onData,
    onClose: listeners.onClose,
  };
}
