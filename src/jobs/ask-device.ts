/**
 * Which device question settles which in-doubt job (src/jobs/device-verdict.ts): the label
 * counter for label jobs on counting printers, the tag read-back for RFID encodes, the image
 * hash for e-paper updates. Jobs on devices that cannot tell get `unknown`.
 */
import type { DeviceRuntime } from "../devices/runtime.ts";
import { isOeplTagRuntime } from "../epaper/runtime.ts";
import { epaperHashVerdict } from "../epaper/verdict.ts";
import type { RfidConfig } from "../rfid/config.ts";
import { rfidReadBackVerdict } from "../rfid/verdict.ts";
import {
  labelCounterVerdict,
  withDeadline,
  type AskDevice,
  type DeviceVerdict,
} from "./device-verdict.ts";
import type { Inbox } from "./inbox.ts";

export interface AskDeviceDeps {
  devices: ReadonlyMap<string, DeviceRuntime>;
  inbox: Inbox;
  /** Longest a device may take to give its verdict (it may be printing the job's last copy). */
  timeoutMs: number;
  /** The site's RFID settings: the EPC an encode job was to write is rebuilt from them. */
  rfid?: RfidConfig;
}

export function createAskDevice(d: AskDeviceDeps): AskDevice {
  return (job) => {
    const device = d.devices.get(job.device);
    if (device === undefined)
      return Promise.resolve<DeviceVerdict>({ kind: "unknown", evidence: "device_unknown" });
    if (job.kind === "label.print" && device.driver.labelCounter !== undefined) {
      // A label with an RFID block runs through the RFID exchange and records no mark: the
      // verdict then says not_last_dispatch.
      return withDeadline(
        labelCounterVerdict(device, job.jobId, d.inbox.lastDispatch(device.id), d.timeoutMs),
        d.timeoutMs + 2000,
      );
    }
    if (job.kind === "rfid.encode" && device.driver.readTag !== undefined) {
      return withDeadline(
        Promise.resolve()
          .then(() => d.inbox.envelope(job.jobId))
          .then((env) => rfidReadBackVerdict(device, env, d.rfid, Math.min(2000, d.timeoutMs))),
        d.timeoutMs + 2000,
      );
    }
    if (job.kind === "epaper.update" && isOeplTagRuntime(device)) {
      return withDeadline(
        Promise.resolve()
          .then(() => d.inbox.envelope(job.jobId))
          .then((env) => epaperHashVerdict(device.oepl, env)),
        d.timeoutMs + 2000,
      );
    }
    return Promise.resolve<DeviceVerdict>({ kind: "unknown", evidence: "device_cannot_tell" });
  };
}
