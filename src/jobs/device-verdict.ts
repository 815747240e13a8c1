/**
 * Asking a device whether an in-doubt job reached it (issue #9 §2): "where a device can tell, the
 * driver resolves in_doubt by asking it". A verdict is given only when it is unambiguous; anything
 * else leaves the job in doubt for a supervisor, as before.
 *
 * - Label printers with a lifetime label counter (ZPL `odometer.total_label_count`): the count
 *   read just before the job's bytes left is stored with the job (DispatchMark). If the job was
 *   the last thing sent to the device, the device is settled now (online, nothing buffered, no
 *   half-received format) and the count moved by exactly the job's labels, it printed; if the
 *   count did not move, it did not print and never will, so it may run again. Other deltas
 *   (another sender, a test print, a partial copy run) are ambiguous.
 * - RFID encoders: the tag in the field is read back and compared with the job's EPC
 *   (src/rfid/verdict.ts).
 * - E-paper tags: the image hash the AP reports is compared with the job's (src/epaper/verdict.ts).
 */
import type { DeviceSnapshot } from "../../drivers/snapshot.ts";
import type { DeviceRuntime } from "../devices/runtime.ts";
import type { InboxJob, DispatchMark } from "./inbox.ts";

export type DeviceVerdict =
  /** The device shows the job done. `evidence` is a reason-code fragment for the audit. */
  | { kind: "printed"; evidence: string }
  /** The device shows the job did not happen and cannot happen later: safe to run again. */
  | { kind: "not_printed"; evidence: string }
  /** The device cannot tell (or was not asked): the job stays in doubt. */
  | { kind: "unknown"; evidence: string };

/** Asks the device of an in-doubt job; never rejects (failures are `unknown`). */
export type AskDevice = (job: InboxJob) => Promise<DeviceVerdict>;

/** The device answered and holds nothing that could still print (ZPL `~HS` counters). */
export function isSettled(s: DeviceSnapshot | undefined): boolean {
  return (
    s !== undefined &&
    s.reachability === "online" &&
    s.counters.formatsInBuffer === 0 &&
    (s.counters.labelsRemaining ?? 0) === 0 &&
    (s.counters.partialFormat ?? 0) === 0
  );
}

const unknown = (evidence: string): DeviceVerdict => ({ kind: "unknown", evidence });

/**
 * The label-counter verdict for `jobId` on `device`, given the device's last dispatch mark.
 * Waits up to `settleMs` for the device to settle (a format still printing), polling its status.
 */
export async function labelCounterVerdict(
  device: DeviceRuntime,
  jobId: string,
  mark: DispatchMark | undefined,
  settleMs: number,
): Promise<DeviceVerdict> {
  if (device.driver.labelCounter === undefined || device.readLabelCounter === undefined)
    return unknown("no_label_counter");
  // A later job was sent after this one (or none was recorded): the count would mix them.
  if (mark === undefined || mark.jobId !== jobId) return unknown("not_last_dispatch");
  const before = mark.labelCount;
  if (before === undefined) return unknown("label_count_not_taken");
  const deadline = Date.now() + settleMs;
  let s = await device.queryStatus();
  while (!isSettled(s) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    s = await device.queryStatus();
  }
  if (!isSettled(s)) return unknown(s.reachability === "online" ? "device_busy" : s.reachability);
  const after = await device.readLabelCounter();
  if (after === undefined) return unknown("label_count_unread");
  // Settled again after the read: nothing started printing meanwhile.
  if (!isSettled(await device.queryStatus())) return unknown("device_busy");
  const evidence = `label_count:${before}:${after}:${mark.labels}`;
  if (after - before === mark.labels) return { kind: "printed", evidence };
  if (after === before) return { kind: "not_printed", evidence };
  return unknown(evidence);
}

/** Bounds a verdict in time: a device that does not answer leaves the job in doubt. */
export function withDeadline(p: Promise<DeviceVerdict>, ms: number): Promise<DeviceVerdict> {
  let t: NodeJS.Timeout | undefined;
  const late = new Promise<DeviceVerdict>((r) => {
    t = setTimeout(() => r(unknown("device_timeout")), ms);
  });
  return Promise.race([p.catch(() => unknown("device_error")), late]).finally(() =>
    clearTimeout(t),
  );
}
