/**
 * The `tsc-tspl` driver: TSC and TSPL-compatible label printers (Xprinter, Gprinter, HPRT, Deli)
 * over TCP 9100, serial or USB (reference/device-protocols.md §2). Compile in compile.ts, status in
 * status.ts, the device side in simulator.ts and interpret.ts.
 */
import { defineDriver } from "../types.ts";
import { tsplIdentityQuery } from "./identity.ts";
import { compileTspl } from "./compile.ts";
import { createTsplCompiler } from "./session.ts";
import { tsplStatusQuery } from "./status.ts";

export const tscTspl = defineDriver({
  // Stable: it appears in audit records and never changes.
  id: "tsc-tspl",
  vendor: "TSC Auto ID (and TSPL-compatible makers)",
  models: [
    "TE200",
    "TE210",
    "TTP-244 Pro",
    "Xprinter XP-470B",
    "Gprinter GP-1324D",
    "HPRT HT300",
    "TSPL-compatible",
  ],
  transports: ["tcp", "serial", "usb"],
  capabilities: { thermalPrinter: { dpi: 203, widthMm: 104, languages: ["TSPL"] } },
  jobKinds: ["label.print"],
  compile: compileTspl,
  // Text graphics kept in the printer's DRAM (DOWNLOAD once, PUTBMP after): session.ts.
  createCompiler: (profile) => createTsplCompiler(profile),
  status: tsplStatusQuery,
  identity: tsplIdentityQuery,
});
