/**
 * Barcodes → 1-bit bitmaps with bwip-js `raw()` (reference/device-protocols.md §7): the module
 * matrix is placed dot for dot, every module an integer number of printer dots, so the bars are
 * exactly as wide as a printer's native barcode with the same module width.
 */
import { createRequire } from "node:module";
import { blit, createBitmap, fillRect, type Bitmap } from "./bitmap.ts";
import type { BarcodeElement } from "./model.ts";
import { renderTextBitmap } from "./text.ts";

/**
 * bwip-js (about 4 MB of heap once loaded), loaded by the first barcode drawn as a bitmap: a
 * gateway whose printers draw their own barcodes never needs it (README "Performance").
 */
let bwip: typeof import("bwip-js") | undefined;
function loadBwip(): typeof import("bwip-js") {
  bwip ??= createRequire(import.meta.url)("bwip-js") as typeof import("bwip-js");
  return bwip;
}

const BCID: Record<BarcodeElement["symbology"], string> = {
  code128: "code128",
  qrcode: "qrcode",
  datamatrix: "datamatrix",
  pdf417: "pdf417",
};

/** Module width in dots for `moduleMm` at `dpi`, 1–10 like ZPL `^BY` / `^BQ`. */
export function moduleDots(moduleMm: number, dpi: number): number {
  return Math.min(10, Math.max(1, Math.round((moduleMm * dpi) / 25.4)));
}

/** Character height of the human-readable line under a linear code. */
export const HRI_SIZE_MM = 2.5;

interface LinearRaw {
  sbs: number[];
}
interface MatrixRaw {
  pixs: number[];
  pixx: number;
  pixy: number;
}

/**
 * The barcode as a bitmap, top-left at (0, 0). Throws RangeError when the data cannot be encoded
 * in the symbology (e.g. Chinese characters in Code 128); the message never contains the data.
 */
export function renderBarcodeBitmap(el: BarcodeElement, dpi: number): Bitmap {
  const m = moduleDots(el.moduleMm, dpi);
  // Code 128 carries ASCII; bwip-js would silently take other characters byte by byte.
  if (el.symbology === "code128" && !/^[\x20-\x7e]*$/.test(el.data))
    throw new RangeError(`code128 cannot encode the data (${el.data.length} characters)`);
  let raw: unknown;
  try {
    raw = loadBwip().raw({
      bcid: BCID[el.symbology],
      text: el.data,
      ...(el.symbology === "qrcode" && { eclevel: "Q" }),
      ...(el.symbology === "pdf417" && { eclevel: 5 }),
    })[0];
  } catch {
    throw new RangeError(`${el.symbology} cannot encode the data (${el.data.length} characters)`);
  }
  if (el.symbology === "code128") {
    const sbs = (raw as LinearRaw).sbs;
    const h = Math.max(1, Math.round((el.heightMm * dpi) / 25.4));
    const width = sbs.reduce((a, b) => a + b, 0) * m;
    const hri =
      el.humanReadable === true
        ? renderTextBitmap(
            { type: "text", xMm: 0, yMm: 0, sizeMm: HRI_SIZE_MM, text: el.data },
            dpi,
          )
        : undefined;
    const out = createBitmap(width, h + (hri ? hri.height : 0));
    let x = 0;
    sbs.forEach((w, i) => {
      // sbs alternates bar, space, bar … starting with a bar.
      if (i % 2 === 0) fillRect(out, x, 0, w * m, h);
      x += w * m;
    });
    if (hri) blit(out, hri, Math.max(0, Math.floor((width - hri.width) / 2)), h);
    return out;
  }
  const { pixs, pixx, pixy } = raw as MatrixRaw;
  // PDF417 rows are 3 modules high (the minimum row height, as the ZPL compiler sends).
  const rowH = el.symbology === "pdf417" ? 3 * m : m;
  const out = createBitmap(pixx * m, pixy * rowH);
  for (let y = 0; y < pixy; y++)
    for (let x = 0; x < pixx; x++)
      if (pixs[y * pixx + x] === 1) fillRect(out, x * m, y * rowH, m, rowH);
  return out;
}
