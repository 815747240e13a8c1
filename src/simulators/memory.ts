/**
 * An in-memory {@link Transport}: the host end talks to a device-side object (a simulator) in the
 * same process. It implements the whole contract of drivers/transport.ts, so drivers run against
 * it exactly as against TCP or serial:
 * - bytes travel asynchronously (a microtask hop each way) and in order, never re-entrantly
 *   inside `write()` or `deliver()`;
 * - `write()` resolves once the device side has received the bytes, rejects when closed;
 * - `onClose` fires once per lost connection (`disconnect()`), never for `close()`;
 * - `close()` rejects pending writes, drops undelivered device bytes, and never rejects.
 * Microtasks rather than timers keep it usable under fake timers.
 */
import type { Transport } from "../../drivers/transport.ts";
import { CodedError } from "../errors.ts";

export interface MemoryDeviceSide {
  /** Host → device bytes, in the order written. */
  receive(chunk: Uint8Array): void;
}

export interface MemoryTransportOptions {
  /** `describe` of the transport (default `memory`). */
  describe?: string;
  /**
   * Split device → host data into chunks of at most this many bytes (default: no split), to
   * exercise frame reassembly like a slow serial line does.
   */
  maxChunkBytes?: number;
}

export interface MemoryTransport {
  transport: Transport;
  /** Device → host bytes. Dropped while the transport is not open, as on a closed socket. */
  deliver(bytes: Uint8Array): void;
  /** The peer goes away: pending bytes are lost and `onClose` listeners fire once. */
  disconnect(reason?: string): void;
  /** While false, `open()` rejects with `device_offline` (default true). */
  setReachable(reachable: boolean): void;
  /** Resolves once no bytes are in flight in either direction (including replies they caused). */
  settled(): Promise<void>;
}

type Item =
  | { dir: "toDevice"; bytes: Uint8Array; resolve: () => void; reject: (e: unknown) => void }
  | { dir: "toHost"; bytes: Uint8Array };

/** Rethrows outside the pump so a faulty listener surfaces without stalling delivery. */
function rethrowLater(e: unknown): void {
  queueMicrotask(() => {
    throw e;
  });
}

export function createMemoryTransport(
  deviceSide: MemoryDeviceSide,
  options: MemoryTransportOptions = {},
): MemoryTransport {
  const describe = options.describe ?? "memory";
  const maxChunk = options.maxChunkBytes;
  const dataListeners = new Set<(chunk: Uint8Array) => void>();
  const closeListeners = new Set<(reason: string) => void>();
  const queue: Item[] = [];
  let waiters: Array<() => void> = [];
  let open = false;
  let reachable = true;
  let pumpScheduled = false;

  const notifySettled = (): void => {
    if (queue.length > 0 || pumpScheduled) return;
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };

  const pump = (): void => {
    pumpScheduled = false;
    // One item per hop keeps the two directions interleaved the way they were produced.
    const item = queue.shift();
    if (item !== undefined) {
      if (item.dir === "toDevice") {
        try {
          deviceSide.receive(item.bytes);
          item.resolve();
        } catch (e) {
          item.reject(e);
        }
      } else {
        for (const l of [...dataListeners]) {
          try {
            l(item.bytes);
          } catch (e) {
            rethrowLater(e);
          }
        }
      }
    }
    if (queue.length > 0) schedule();
    else notifySettled();
  };

  const schedule = (): void => {
    if (pumpScheduled) return;
    pumpScheduled = true;
    queueMicrotask(pump);
  };

  /** Drops everything in flight; pending writes reject. */
  const dropInFlight = (why: string): void => {
    const items = queue.splice(0);
    for (const it of items) {
      if (it.dir === "toDevice")
        it.reject(new CodedError("device_offline", why, { transport: describe }));
    }
    notifySettled();
  };

  const transport: Transport = {
    describe,
    get isOpen() {
      return open;
    },
    open() {
      if (open) return Promise.resolve();
      if (!reachable) {
        return Promise.reject(
          new CodedError("device_offline", "device not reachable", { transport: describe }),
        );
      }
      open = true;
      return Promise.resolve();
    },
    write(bytes) {
      if (!open) {
        return Promise.reject(
          new CodedError("device_offline", "transport is closed", { transport: describe }),
        );
      }
      return new Promise<void>((resolve, reject) => {
        // Copied: the caller may reuse its buffer once write() returns.
        queue.push({ dir: "toDevice", bytes: bytes.slice(), resolve, reject });
        schedule();
      });
    },
    close() {
      if (open) {
        open = false;
        dropInFlight("transport closed");
      }
      return Promise.resolve();
    },
    onData(listener) {
      dataListeners.add(listener);
      return () => dataListeners.delete(listener);
    },
    onClose(listener) {
      closeListeners.add(listener);
      return () => closeListeners.delete(listener);
    },
  };

  return {
    transport,
    deliver(bytes) {
      if (!open || bytes.length === 0) return;
      const step = maxChunk !== undefined && maxChunk > 0 ? maxChunk : bytes.length;
      for (let o = 0; o < bytes.length; o += step) {
        queue.push({ dir: "toHost", bytes: bytes.slice(o, o + step) });
      }
      schedule();
    },
    disconnect(reason = "peer disconnected") {
      if (!open) return;
      open = false;
      dropInFlight("connection lost");
      for (const l of [...closeListeners]) {
        try {
          l(reason);
        } catch (e) {
          rethrowLater(e);
        }
      }
    },
    setReachable(value) {
      reachable = value;
    },
    settled() {
      if (queue.length === 0 && !pumpScheduled) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push(resolve));
    },
  };
}
