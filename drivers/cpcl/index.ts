/**
 * The `zebra-cpcl` driver: Zebra mobile printers (ZQ, QLn, iMZ series) in CPCL line mode over
 * TCP, serial or Bluetooth serial (reference/device-protocols.md §4). Link-OS mobiles also speak
 * ZPL; prefer `zebra-zpl` for a printer set to ZPL mode.
 */
import { defineDriver } from "../types.ts";
import { compileCpcl } from "./compile.ts";
import { cpclStatusQuery } from "./status.ts";

export const zebraCpcl = defineDriver({
  // Stable: it appears in audit records and never changes.
  id: "zebra-cpcl",
  vendor: "Zebra Technologies",
  models: ["ZQ630", "ZQ520", "QLn420", "iMZ320", "CPCL-compatible"],
  transports: ["tcp", "serial"],
  capabilities: { thermalPrinter: { dpi: 203, widthMm: 104, languages: ["CPCL"] } },
  jobKinds: ["label.print"],
  compile: compileCpcl,
  status: cpclStatusQuery,
});
