/**
 * The intake check of a job's `rfid` block (`rfid.encode`, `label.print` on an RFID printer): the
 * privacy guard on what goes to the tag besides the EPC, then the EPC itself (ranges, round
 * trip), so a job that cannot be encoded is refused at the door. The guard applies even under a
 * `deid_exemption`: a tag is read at a distance by anyone with a reader, so personal data never
 * goes on it.
 */
import { CodedError } from "../errors.ts";
import type { JobEnvelope } from "../jobs/envelope.ts";
import type { RfidConfig } from "./config.ts";
import { guardRfidBlock, prepareRfid } from "./request.ts";

/** Throws `privacy_rejected`, `rfid_epc_invalid` or `rfid_not_configured`; returns the waybill no. */
export function createRfidIntakeCheck(
  config: RfidConfig,
  phoneMinHidden: number,
): (env: JobEnvelope) => { waybillNo?: string } {
  return (env) => {
    const block = env.payload.rfid;
    if (block === undefined) return {};
    if (env.payload.copies > 1)
      throw new CodedError("invalid_envelope", "payload.copies: an RFID label is printed once", {
        path: "payload.copies",
      });
    const g = guardRfidBlock(block, phoneMinHidden);
    if (!g.ok)
      throw new CodedError("privacy_rejected", `payload.${g.path}: not de-identified (${g.rule})`, {
        path: `payload.${g.path}`,
        rule: g.rule,
      });
    prepareRfid(block, config);
    const w = env.payload.data["waybill_no"];
    return typeof w === "string" ? { waybillNo: w } : {};
  };
}
