/**
 * The byte pipe between a driver and a device. Implementations live in `src/transports/` (TCP,
 * serial, USB, HID) and in `src/simulators/` (in-memory); drivers only ever see this interface.
 *
 * Contract:
 * - `open()` resolves once bytes can be written; it rejects with an error carrying a `code`
 *   (`device_offline`) when the device cannot be reached. Calling it on an open transport is a
 *   no-op.
 * - `write(bytes)` resolves when the bytes were handed to the operating system (not when the
 *   device processed them). It rejects when the transport is closed or the connection broke.
 * - Bytes from the device arrive through the `onData` listener in whatever chunks the OS delivers:
 *   consumers must reassemble frames themselves.
 * - `onClose` fires once per lost connection (peer closed, unplugged, error), never for an
 *   explicit `close()`.
 * - `close()` cancels pending writes and stops data delivery; it never rejects.
 */
export interface Transport {
  /** Short description for logs, e.g. `tcp:127.0.0.1:9100`. Never contains secrets. */
  readonly describe: string;
  open(): Promise<void>;
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
  readonly isOpen: boolean;
  onData(listener: (chunk: Uint8Array) => void): () => void;
  onClose(listener: (reason: string) => void): () => void;
}
