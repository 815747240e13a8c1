/**
 * ESC/POS host commands used by the `escpos` driver (Epson ESC/POS Application Programming Guide;
 * reference/device-protocols.md §3.1). Binary commands; text bytes are printed as characters, so
 * the only content ever sent as text is printable ASCII (0x20–0x7E) or GB 18030 double-byte codes
 * (both bytes ≥ 0x40 and the first ≥ 0x81): no content byte can be a control code (< 0x20).
 */
export const NUL = 0x00;
export const LF = 0x0a;
export const ESC = 0x1b;
export const FS = 0x1c;
export const GS = 0x1d;
export const DLE = 0x10;
export const EOT = 0x04;

/** `ESC @` initialise (ESC/POS APG, ESC @). */
export const INIT = Uint8Array.of(ESC, 0x40);
/** `FS &` select Kanji/Chinese character mode; `FS .` cancel it (ESC/POS APG, FS &, FS .). */
export const CHINESE_ON = Uint8Array.of(FS, 0x26);
export const CHINESE_OFF = Uint8Array.of(FS, 0x2e);
/** `GS V 66 n` feed n and partial cut (ESC/POS APG, GS V function B). */
export const feedAndCut = (n: number): Uint8Array => Uint8Array.of(GS, 0x56, 66, clampByte(n));
/** `DLE EOT n` real-time status, n = 1–4 (ESC/POS APG, DLE EOT). */
export const statusRequest = (n: 1 | 2 | 3 | 4): Uint8Array => Uint8Array.of(DLE, EOT, n);
/** `GS a n` enable automatic status back for the bits of n (ESC/POS APG, GS a). */
export const enableAsb = (n: number): Uint8Array => Uint8Array.of(GS, 0x61, clampByte(n));

function clampByte(n: number): number {
  return Math.max(0, Math.min(255, Math.round(n)));
}

const u16 = (n: number): [number, number] => {
  const v = Math.max(0, Math.min(0xffff, Math.round(n)));
  return [v & 0xff, v >> 8];
};

/** `ESC $ nL nH` absolute horizontal print position in dots (ESC/POS APG, ESC $). */
export const horizontalPosition = (x: number): Uint8Array => Uint8Array.of(ESC, 0x24, ...u16(x));
/** `ESC E n` emphasized (bold) characters on (n = 1) or off (n = 0) (ESC/POS APG, ESC E). */
export const emphasized = (on: boolean): Uint8Array => Uint8Array.of(ESC, 0x45, on ? 1 : 0);
/** `ESC J n` print and feed n dots (ESC/POS APG, ESC J). */
export const feedDots = (n: number): Uint8Array => Uint8Array.of(ESC, 0x4a, clampByte(n));
/** `ESC 3 n` line spacing n dots (ESC/POS APG, ESC 3). */
export const lineSpacing = (n: number): Uint8Array => Uint8Array.of(ESC, 0x33, clampByte(n));
/** `GS ! n` character size: width multiplier in bits 4–6, height in bits 0–2, each 1–8. */
export const characterSize = (w: number, h: number): Uint8Array =>
  Uint8Array.of(
    GS,
    0x21,
    ((Math.max(1, Math.min(8, w)) - 1) << 4) | (Math.max(1, Math.min(8, h)) - 1),
  );

/**
 * Page mode (Epson ESC/POS Command Reference, "ESC L", "ESC W", "ESC T", "GS $", "FF"; APG
 * "Page mode"): `ESC L` selects page mode, `ESC W` sets the print area, `ESC T 0` puts the start at
 * its upper left (print direction left to right), `ESC $` / `GS $` set the horizontal / vertical
 * print position inside the area, and `FF` prints the area and returns to standard mode. Data is
 * developed with its bottom at the vertical print position (characters on their baseline, bit
 * images and bar codes above it, a Code 128's HRI characters below it). [Placement convention as
 * the command reference describes it; unverified on a device.]
 */
export const PAGE_MODE = Uint8Array.of(ESC, 0x4c);
/** `FF` in page mode: print the print area and return to standard mode. */
export const PAGE_PRINT = Uint8Array.of(0x0c);
/** `ESC W xL xH yL yH dxL dxH dyL dyH` page-mode print area: origin and size in dots. */
export const pageArea = (x: number, y: number, dx: number, dy: number): Uint8Array =>
  Uint8Array.of(ESC, 0x57, ...u16(x), ...u16(y), ...u16(dx), ...u16(dy));
/** `ESC T n` page-mode print direction and start position (0: left to right, upper left). */
export const pageDirection = (n: 0 | 1 | 2 | 3): Uint8Array => Uint8Array.of(ESC, 0x54, n);
/** `GS $ nL nH` absolute vertical print position in page mode, in dots from the area's top. */
export const verticalPosition = (y: number): Uint8Array => Uint8Array.of(GS, 0x24, ...u16(y));

/**
 * `GS v 0 m xL xH yL yH d1…dk` raster image (ESC/POS APG, GS v 0): width in bytes, height in dots,
 * **1 = print**, MSB leftmost. m = 0 normal size.
 */
export function rasterImage(widthBytes: number, height: number, data: Uint8Array): Uint8Array {
  if (data.length !== widthBytes * height) throw new RangeError("raster data size mismatch");
  const out = new Uint8Array(8 + data.length);
  out.set([GS, 0x76, 0x30, 0, ...u16(widthBytes), ...u16(height)]);
  out.set(data, 8);
  return out;
}

/** Printable ASCII only (0x20–0x7E): what may go into barcode data and text unchanged. */
export const isPrintableAscii = (s: string): boolean => /^[\x20-\x7e]*$/.test(s);

/**
 * Code 128 with `GS k 73 n d1…dn` (ESC/POS APG, GS k function B): data starts with the code set
 * selection `{B`; a `{` in the content is sent as `{{`. Preceded by `GS H` (HRI position 2 =
 * below or 0 = none), `GS h` (height dots), `GS w` (module 2–6). Undefined when the content is
 * not printable ASCII or too long.
 */
export function code128(
  data: string,
  heightDots: number,
  module: number,
  hri: boolean,
): Uint8Array | undefined {
  if (!isPrintableAscii(data)) return undefined;
  const body = `{B${data.replace(/\{/g, "{{")}`;
  if (body.length > 255) return undefined;
  return Uint8Array.of(
    GS,
    0x48,
    hri ? 2 : 0,
    GS,
    0x68,
    clampByte(Math.max(1, heightDots)),
    GS,
    0x77,
    Math.max(2, Math.min(6, Math.round(module))),
    GS,
    0x6b,
    73,
    body.length,
    ...Array.from(body, (c) => c.charCodeAt(0)),
  );
}

/**
 * QR Code with `GS ( k` (ESC/POS APG, GS ( k, cn = 49): model 2 (fn 65), module size (fn 67),
 * error correction Q (fn 69, 50), store data (fn 80), print (fn 81). Undefined when the content is
 * not printable ASCII.
 */
export function qrCode(data: string, module: number): Uint8Array | undefined {
  if (!isPrintableAscii(data) || data.length > 7000) return undefined;
  const k = (fn: number, ...params: number[]): number[] => {
    const [pL, pH] = u16(params.length + 2);
    return [GS, 0x28, 0x6b, pL, pH, 49, fn, ...params];
  };
  return Uint8Array.of(
    ...k(65, 50, 0),
    ...k(67, Math.max(1, Math.min(16, Math.round(module)))),
    ...k(69, 50),
    ...k(80, 48, ...Array.from(data, (c) => c.charCodeAt(0))),
    ...k(81, 48),
  );
}

/** The concatenation of `parts` as one new array (firmware-protocols/bytes.ts). */
export { concatBytes as concat } from "../bytes.ts";
