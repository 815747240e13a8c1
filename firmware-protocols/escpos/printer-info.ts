/**
 * ESC/POS `GS I n` — Transmit printer ID (Epson ESC/POS Command Reference, "GS I"), host and
 * device side, sans-IO.
 *
 * For n = 65–69 ("printer information B") the printer answers a block
 * `Header 5Fh | information (ASCII) | NUL 00h`:
 * 65 (41h) firmware version, 66 (42h) maker name, 67 (43h) model name, 68 (44h) serial number,
 * 69 (45h) type of model. Models differ in which n they support (the TM-U220 reference lists
 * 65–68; some compatibles omit 68) and ignore an n they do not support, so a reader must not wait
 * for a block that may never come. The block is told from a real-time status byte or an ASB block
 * by its header: 5Fh has bits 0–1 set, which no `DLE EOT` reply (`0xx1xx10`) or ASB first byte
 * (`0xx1xx00`) has.
 */
import { concatBytes, encodePrintableAscii } from "../bytes.ts";

export const GS = 0x1d;
/** `GS I` second byte. */
export const GS_I = 0x49;
/** Header byte of a printer information B block. */
export const PRINTER_INFO_HEADER = 0x5f;
export const NUL = 0x00;

/** The `n` of `GS I` for printer information B. */
export const PRINTER_INFO = {
  FIRMWARE: 0x41,
  MAKER: 0x42,
  MODEL: 0x43,
  SERIAL: 0x44,
  TYPE: 0x45,
} as const;

/** Longest information text kept (bytes); the references give 0–80 bytes. */
export const MAX_PRINTER_INFO = 80;

/** `GS I n`. */
export const encodeTransmitPrinterId = (n: number): Uint8Array => Uint8Array.of(GS, GS_I, n & 0xff);

/** Device side: the block answering `GS I n` for n = 65–69. */
export function encodePrinterInfoReply(text: string): Uint8Array {
  const info = encodePrintableAscii(text);
  if (info.length > MAX_PRINTER_INFO) throw new RangeError("printer information too long");
  return concatBytes([Uint8Array.of(PRINTER_INFO_HEADER), info, Uint8Array.of(NUL)]);
}

export type PrinterInfoEvent =
  | { type: "info"; text: string }
  | { type: "malformed"; code: "info_too_long" | "non_printable"; offset: number };

/**
 * Host side: picks printer information blocks out of the reply stream. Bytes outside a block
 * (status bytes, ASB blocks) are skipped; a block with a byte outside 0x20–0x7E or longer than
 * {@link MAX_PRINTER_INFO} is reported and dropped. Never throws; state is kept across pushes.
 */
export function createPrinterInfoDecoder(): { push(chunk: Uint8Array): PrinterInfoEvent[] } {
  let block: number[] | undefined;
  let start = 0;
  let pos = 0;
  return {
    push(chunk) {
      const out: PrinterInfoEvent[] = [];
      for (const b of chunk) {
        const at = pos++;
        if (block === undefined) {
          if (b === PRINTER_INFO_HEADER) {
            block = [];
            start = at;
          }
          continue;
        }
        if (b === NUL) {
          out.push({ type: "info", text: String.fromCharCode(...block) });
          block = undefined;
        } else if (b < 0x20 || b > 0x7e) {
          out.push({ type: "malformed", code: "non_printable", offset: start });
          block = undefined;
        } else if (block.length >= MAX_PRINTER_INFO) {
          out.push({ type: "malformed", code: "info_too_long", offset: start });
          block = undefined;
        } else block.push(b);
      }
      return out;
    },
  };
}
