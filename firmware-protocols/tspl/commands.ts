/**
 * TSPL / TSPL2 host commands (TSC TSPL/TSPL2 Programming Manual; reference/device-protocols.md
 * §2.1). Each command is an ASCII line ending in CR LF; `BITMAP` carries width × height raw bytes
 * after its last comma, then CR LF.
 *
 * Strings are double-quoted. The only escape TSPL2 defines inside a string is `\["]` for a double
 * quote (TSPL2 PM, "TEXT": `\["]` prints "), so content that contains CR, LF, other controls or a
 * backslash cannot be carried safely: {@link encodeTsplString} refuses it and the compiler sends
 * such text as a BITMAP instead.
 */
import { concatBytes as concat, encodePrintableAscii as ascii } from "../bytes.ts";

export const ESC = 0x1b;
export const CR = 0x0d;
export const LF = 0x0a;
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;

/** `ESC ! ?` — one status byte, answered at any time, even in error (TSPL PM, "<ESC>!?"). */
export const STATUS_REQUEST = Uint8Array.of(ESC, 0x21, 0x3f);
/** `ESC ! S` — 8-byte extended status `STX b1 b2 b3 b4 ETX CR LF` (TSPL PM, "<ESC>!S"). */
export const EXTENDED_STATUS_REQUEST = Uint8Array.of(ESC, 0x21, 0x53);
/** `ESC ! R` — reset the printer (TSPL PM, "<ESC>!R"). */
export const RESET_REQUEST = Uint8Array.of(ESC, 0x21, 0x52);

/** A command line: `NAME p1,p2,…` CR LF. Parameters are program-controlled numbers and tokens. */
export function encodeTsplCommand(name: string, ...params: Array<string | number>): Uint8Array {
  if (!/^[A-Z]+$/.test(name)) throw new RangeError("command name must be A-Z");
  const text = params
    .map((p, i) => {
      if (typeof p === "number") {
        if (!Number.isFinite(p)) throw new RangeError(`parameter ${i} is not finite`);
        return String(Math.round(p));
      }
      if (!/^[A-Za-z0-9. ]*$/.test(p))
        throw new RangeError(`parameter ${i} has a forbidden character`);
      return p;
    })
    .join(",");
  return concat([ascii(params.length > 0 ? `${name} ${text}` : name), Uint8Array.of(CR, LF)]);
}

/**
 * A quoted string parameter from already-encoded content bytes (ASCII or GB 18030): `"` becomes
 * `\["]`. Returns undefined when the content has a byte below 0x20, DEL or a backslash — content
 * TSPL cannot carry without risk of ending the line or forging an escape.
 */
export function encodeTsplString(content: Uint8Array): Uint8Array | undefined {
  const out: number[] = [QUOTE];
  for (const b of content) {
    if (b < 0x20 || b === 0x7f || b === BACKSLASH) return undefined;
    if (b === QUOTE) out.push(BACKSLASH, 0x5b, QUOTE, 0x5d);
    else out.push(b);
  }
  out.push(QUOTE);
  return Uint8Array.from(out);
}

/** `NAME p1,…,"string"` CR LF with the string last (TEXT, BARCODE, QRCODE, DMATRIX). */
export function encodeTsplStringCommand(
  name: string,
  params: Array<string | number>,
  quoted: Uint8Array,
): Uint8Array {
  const head = encodeTsplCommand(name, ...params);
  return concat([head.subarray(0, head.length - 2), ascii(","), quoted, Uint8Array.of(CR, LF)]);
}

/**
 * `BITMAP x,y,widthBytes,height,mode,<data>` CR LF (TSPL PM, "BITMAP"). `data` is widthBytes ×
 * height bytes in TSPL polarity: **a 1 bit is white**, the opposite of ZPL/ESC/POS
 * (reference §2.1, unverified on a device; one place to flip if a device disagrees).
 */
export function encodeTsplBitmap(
  x: number,
  y: number,
  widthBytes: number,
  height: number,
  mode: 0 | 1 | 2,
  data: Uint8Array,
): Uint8Array {
  if (data.length !== widthBytes * height) throw new RangeError("bitmap data size mismatch");
  const head = encodeTsplCommand("BITMAP", x, y, widthBytes, height, mode);
  return concat([head.subarray(0, head.length - 2), ascii(","), data, Uint8Array.of(CR, LF)]);
}

/** The concatenation of `parts` as one new array (firmware-protocols/bytes.ts). */
export { concat };

/** File names this codebase stores: 1–8 of `A-Z 0-9 _` and `.BMP` (TSPL PM: 8.3, case sensitive). */
const FILE_NAME = /^[A-Z0-9_]{1,8}\.BMP$/;

function checkFileName(name: string): string {
  if (!FILE_NAME.test(name)) throw new RangeError("file name must be like G0.BMP");
  return name;
}

/**
 * `DOWNLOAD "NAME",size,<data>` CR LF (TSPL/TSPL2 PM, "DOWNLOAD", data file form
 * `DOWNLOAD [n,]"FILENAME",DATA SIZE,DATA CONTENT`): stores `data` as a file. Without `n` the file
 * goes to DRAM, which the printer loses at power-off, so a host that remembers what it sent must
 * forget it when the printer may have restarted. The printer reads exactly `size` bytes after the
 * comma without interpreting them; the CR LF after them is an empty line.
 */
export function encodeTsplDownload(name: string, data: Uint8Array): Uint8Array {
  const head = ascii(`DOWNLOAD "${checkFileName(name)}",${data.length},`);
  return concat([head, data, Uint8Array.of(CR, LF)]);
}

/** `PUTBMP x,y,"NAME"` CR LF (TSPL/TSPL2 PM, "PUTBMP"): prints a stored BMP file at (x, y). */
export function encodeTsplPutBmp(x: number, y: number, name: string): Uint8Array {
  const at = [x, y].map((n) => {
    if (!Number.isInteger(n) || n < 0) throw new RangeError("position must be whole dots ≥ 0");
    return n;
  });
  return concat([ascii(`PUTBMP ${at.join(",")},"${checkFileName(name)}"`), Uint8Array.of(CR, LF)]);
}

/** `KILL "NAME"` CR LF (TSPL/TSPL2 PM, "KILL"): deletes a file from DRAM. */
export function encodeTsplKill(name: string): Uint8Array {
  return concat([ascii(`KILL "${checkFileName(name)}"`), Uint8Array.of(CR, LF)]);
}
