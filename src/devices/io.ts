/**
 * The {@link DeviceIo} a driver's `execute` hook talks through: writes go to the device's
 * transport; everything the device sends from the moment the io is created is queued, so a
 * reply that arrives before the driver asks for it is never lost. `close()` stops listening.
 */
import type { DeviceIo } from "../../drivers/rfid/job.ts";
import type { Transport } from "../../drivers/transport.ts";

export interface ClosableDeviceIo extends DeviceIo {
  close(): void;
}

export function createDeviceIo(
  transport: Transport,
  write: (bytes: Uint8Array) => Promise<void> = (b) => transport.write(b),
): ClosableDeviceIo {
  const queue: Uint8Array[] = [];
  let waiter: ((chunk: Uint8Array | undefined) => void) | undefined;
  const unsubscribe = transport.onData((chunk) => {
    if (waiter !== undefined) {
      const w = waiter;
      waiter = undefined;
      w(chunk);
    } else queue.push(chunk);
  });
  return {
    write,
    receive(timeoutMs) {
      const first = queue.shift();
      if (first !== undefined) return Promise.resolve(first);
      return new Promise((resolve) => {
        const t = setTimeout(() => {
          waiter = undefined;
          resolve(undefined);
        }, timeoutMs);
        waiter = (chunk) => {
          clearTimeout(t);
          resolve(chunk);
        };
      });
    },
    close() {
      unsubscribe();
      if (waiter !== undefined) {
        const w = waiter;
        waiter = undefined;
        w(undefined);
      }
    },
  };
}
