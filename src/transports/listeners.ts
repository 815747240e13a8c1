/**
 * What every transport (tcp, serial, usb, hid) does the same way: the `onData` / `onClose`
 * listener sets of drivers/transport.ts and their delivery, one connect attempt at a time, and a
 * no-copy view of the Node buffers the libraries deliver.
 */
import type { Transport } from "../../drivers/transport.ts";

export interface TransportListeners {
  /** Delivers a chunk from the device to every data listener. */
  emitData(chunk: Uint8Array): void;
  /** Tells every close listener the connection was lost, and why. */
  emitClose(reason: string): void;
  onData: Transport["onData"];
  onClose: Transport["onClose"];
}

export function createTransportListeners(): TransportListeners {
  const data = new Set<(chunk: Uint8Array) => void>();
  const close = new Set<(reason: string) => void>();
  return {
    emitData(chunk) {
      for (const l of data) l(chunk);
    },
    emitClose(reason) {
      for (const l of close) l(reason);
    },
    onData(l) {
      data.add(l);
      return () => data.delete(l);
    },
    onClose(l) {
      close.add(l);
      return () => close.delete(l);
    },
  };
}

/**
 * `connect` behind a gate: calls while an attempt is in flight share it, the first call after it
 * settled (resolved or rejected) starts a new one. A transport's `open()` checks first whether it
 * is open already.
 */
export function oneConnectAtATime(connect: () => Promise<void>): () => Promise<void> {
  let opening: Promise<void> | undefined;
  return () =>
    (opening ??= connect().finally(() => {
      opening = undefined;
    }));
}

/** The bytes of a Node `Buffer` as a `Uint8Array` over the same memory (no copy). */
export const bytesOf = (b: Buffer): Uint8Array =>
  new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
