/**
 * The `escpos` driver: ESC/POS receipt and label printers (Epson TM series and compatibles) in
 * standard mode over TCP 9100, serial or USB (reference/device-protocols.md §3).
 */
import { defineDriver } from "../types.ts";
import { escposIdentityQuery } from "./identity.ts";
import { compileEscpos } from "./compile.ts";
import { escposStatusQuery } from "./status.ts";

export const escpos = defineDriver({
  // Stable: it appears in audit records and never changes.
  id: "escpos",
  vendor: "Epson (and ESC/POS-compatible makers)",
  models: ["TM-T88VI", "TM-L100", "Xprinter XP-Q200", "ESC/POS-compatible"],
  transports: ["tcp", "serial", "usb"],
  capabilities: { thermalPrinter: { dpi: 203, widthMm: 80, languages: ["ESC/POS"] } },
  jobKinds: ["label.print"],
  compile: compileEscpos,
  status: escposStatusQuery,
  identity: escposIdentityQuery,
});
