/**
 * Identity of an ESC/POS printer, read on every connect (Art. 17 access review): `GS I 67`
 * (model name), `GS I 68` (serial number) and `GS I 65` (firmware version) in one write, each
 * answered with a printer information B block `5Fh … 00h` in the order asked (Epson ESC/POS
 * Command Reference, "GS I"; firmware-protocols/escpos/printer-info.ts). A printer that does not
 * support one `n` ignores it; the runtime's timeout then takes what came (`end()`).
 */
import type { DeviceIdentity, IdentityQuery } from "../types.ts";
import {
  PRINTER_INFO,
  createPrinterInfoDecoder,
  encodeTransmitPrinterId,
} from "../../firmware-protocols/escpos/printer-info.ts";

/** Reply bytes accepted before the reader stops waiting for more blocks. */
export const MAX_ESCPOS_IDENTITY_BYTES = 1024;

const ORDER = [PRINTER_INFO.MODEL, PRINTER_INFO.SERIAL, PRINTER_INFO.FIRMWARE] as const;

export const escposIdentityQuery: IdentityQuery = {
  request: Uint8Array.from(ORDER.flatMap((n) => [...encodeTransmitPrinterId(n)])),
  createReader() {
    const decoder = createPrinterInfoDecoder();
    const texts: string[] = [];
    let seen = 0;
    const result = (): DeviceIdentity | undefined => {
      if (texts.length === 0) return undefined;
      const [model, serial, firmware] = texts.map((t) => t.trim());
      return {
        ...(model !== undefined && model !== "" && { model }),
        ...(serial !== undefined && serial !== "" && { serial }),
        ...(firmware !== undefined && firmware !== "" && { firmware }),
      };
    };
    return {
      push(chunk) {
        seen += chunk.length;
        for (const ev of decoder.push(chunk)) if (ev.type === "info") texts.push(ev.text);
        if (texts.length >= ORDER.length || seen >= MAX_ESCPOS_IDENTITY_BYTES)
          return result() ?? {};
        return undefined;
      },
      end: result,
    };
  },
};
