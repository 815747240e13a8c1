/**
 * The `uhf-r2000` driver: desktop UHF encoders built on the Impinj R2000 / E710 module with the
 * `0xA0` serial protocol, 115200 8N1 over serial or USB-CDC (reference/device-protocols.md §5.2).
 * It prints nothing: its job kind is `rfid.encode` (write → verify → lock, encode.ts).
 */
import { defineDriver } from "../types.ts";
import { encodeTagR2000 } from "./encode.ts";
import { readBackR2000 } from "./read-back.ts";
import { r2000IdentityQuery, r2000StatusQuery } from "./status.ts";

export const uhfR2000 = defineDriver({
  // Stable: it appears in audit records and never changes.
  id: "uhf-r2000",
  vendor: "Impinj R2000-based (various)",
  models: ["R2000", "E710", "R2000-compatible"],
  transports: ["serial", "tcp"],
  capabilities: {
    rfidEncoder: { epcBits: [96], lock: true, verify: true, printAndEncode: false },
  },
  jobKinds: ["rfid.encode"],
  compile() {
    // label.print is not among its job kinds, so intake refuses it before it gets here.
    throw new RangeError("uhf-r2000 does not print labels");
  },
  status: r2000StatusQuery,
  identity: r2000IdentityQuery,
  execute(job, io, options) {
    return encodeTagR2000(job.rfid, io, options);
  },
  readTag: readBackR2000,
});
