/**
 * The `zebra-zpl` driver: Zebra (and ZPL-emulating) thermal label printers speaking ZPL II over
 * TCP 9100, serial or USB printer class (reference/device-protocols.md §1). Data plus small
 * functions: compile in compile.ts, status in status.ts, the device side in simulator.ts.
 */
import { defineDriver } from "../types.ts";
import { encodeControlCommand } from "../../firmware-protocols/zpl/format.ts";
import { compileZpl, createZplCompiler } from "./compile.ts";
import { zplLabelCounterQuery } from "./counter.ts";
import { zplIdentityQuery } from "./identity.ts";
import { encodeLabelZpl } from "./rfid.ts";
import { zplStatusQuery } from "./status.ts";

export const zebraZpl = defineDriver({
  // Stable: it appears in audit records and never changes.
  id: "zebra-zpl",
  vendor: "Zebra Technologies",
  models: ["ZT410", "ZT411", "ZT421", "ZD420", "ZD421", "ZD621", "ZE500", "ZPL-compatible"],
  transports: ["tcp", "serial", "usb"],
  capabilities: {
    // The common 4-inch desktop/industrial head; the site profile gives the unit's real values.
    thermalPrinter: { dpi: 203, widthMm: 104, languages: ["ZPL"] },
    // RFID models (ZT411 RFID, ZD621R …) print and encode in one pass (rfid.ts); on a unit
    // without the option no encode result comes back and such a job ends in doubt.
    rfidEncoder: { epcBits: [96], lock: true, verify: true, printAndEncode: true },
  },
  jobKinds: ["label.print"],
  compile: compileZpl,
  createCompiler: (profile) => createZplCompiler(profile),
  status: zplStatusQuery,
  identity: zplIdentityQuery,
  // ~JX Cancel Current Partially Input Format (ZPL II Programming Guide, ~JX).
  cancelPartialFormat: encodeControlCommand("JX"),
  labelCounter: zplLabelCounterQuery,
  execute: encodeLabelZpl,
});
