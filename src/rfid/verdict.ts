/**
 * Settling an in-doubt `rfid.encode` by reading the tag back (issue #9 §2): the EPC the job was
 * to write is rebuilt from its envelope and the site's RFID settings, and compared with the one
 * tag in the encoder's field. Only a match settles it: the job's tag holds the job's EPC (and,
 * when the job locks, its access password refuses an unauthenticated read). A different EPC, no
 * tag, two tags or a silent reader leave the job in doubt: the parcel may have moved on, and
 * encoding again could put the same EPC on a second tag.
 */
import { createDeviceIo } from "../devices/io.ts";
import type { DeviceRuntime } from "../devices/runtime.ts";
import type { DeviceVerdict } from "../jobs/device-verdict.ts";
import type { JobEnvelope } from "../jobs/envelope.ts";
import type { RfidConfig } from "./config.ts";
import { prepareRfid } from "./request.ts";

const unknown = (evidence: string): DeviceVerdict => ({ kind: "unknown", evidence });

export async function rfidReadBackVerdict(
  device: DeviceRuntime,
  env: JobEnvelope,
  config: RfidConfig | undefined,
  stepTimeoutMs: number,
): Promise<DeviceVerdict> {
  const readTag = device.driver.readTag;
  const block = env.payload.rfid;
  if (readTag === undefined || block === undefined || config === undefined)
    return unknown("device_cannot_tell");
  let want: { epcHex: string; lock: boolean };
  try {
    const p = prepareRfid(block, config);
    want = { epcHex: p.epcHex.toUpperCase(), lock: p.spec.lock };
  } catch {
    return unknown("rfid_not_configured");
  }
  // Opens the connection (and checks the unit's identity) like any status poll.
  const s = await device.queryStatus();
  if (s.reachability !== "online" || device.quarantine() !== undefined)
    return unknown(device.quarantine() !== undefined ? "device_quarantined" : s.reachability);
  const io = createDeviceIo(device.transport, (b) => device.write(b));
  try {
    const r = await readTag(io, { stepTimeoutMs, confirmTimeoutMs: stepTimeoutMs });
    if (r.noReply === true) return unknown("rfid_no_reply");
    if (r.epcs.length === 0) return unknown("rfid_no_tag");
    if (r.epcs.length > 1) return unknown("rfid_multiple_tags");
    if (r.epcs[0]?.toUpperCase() !== want.epcHex) return unknown("epc_readback:other");
    const evidence = `epc_readback:${want.epcHex.toLowerCase()}`;
    if (!want.lock) return { kind: "printed", evidence };
    if (r.accessPasswordLocked === true) return { kind: "printed", evidence: `${evidence}:locked` };
    return unknown(`${evidence}:not_locked`);
  } catch {
    return unknown("device_offline");
  } finally {
    io.close();
  }
}
