import { isPrintable, type DeviceSnapshot } from "../../drivers/snapshot.ts";
import type { DeviceRuntime } from "../devices/runtime.ts";

/**
 * Confirms a print by status read-back: the device must answer, be free of faults, and have no
 * format left in its buffer. A device that stops answering leaves the job in doubt.
 */
export async function confirmPrinted(
  device: DeviceRuntime,
  timeoutMs: number,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const deadline = Date.now() + timeoutMs;
  let last: DeviceSnapshot | undefined;
  for (;;) {
    last = await device.queryStatus();
    const pending = (last.counters.formatsInBuffer ?? 0) + (last.counters.labelsRemaining ?? 0);
    // A fault that appears after the label printed (paper ran out on it) does not undo it: a
    // device that counts its buffered formats (ZPL `~HS`) and reports none left has printed it.
    const counts = last.counters.formatsInBuffer !== undefined;
    if (pending === 0 && (isPrintable(last) || (counts && last.reachability === "online")))
      return { ok: true };
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (last.reachability !== "online")
    return {
      ok: false,
      reason: last.reachability === "no-response" ? "device_no_response" : "device_offline",
    };
  return {
    ok: false,
    reason:
      last.conditions.length > 0 ? `device_fault:${last.conditions.join("+")}` : "not_confirmed",
  };
}

/** `n` copies of a label's bytes, back to back. */
export function repeat(bytes: Uint8Array, n: number): Uint8Array {
  if (n <= 1) return bytes;
  const out = new Uint8Array(bytes.byteLength * n);
  for (let i = 0; i < n; i++) out.set(bytes, i * bytes.byteLength);
  return out;
}
