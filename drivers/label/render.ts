/**
 * The raster renderer: Label → 1-bit bitmap at 203 / 300 / 600 dpi. It serves previews
 * (`labelgate preview`), e-paper frames, and the whole-label bitmap baseline; the compilers use
 * its pieces ({@link renderTextBitmap}, {@link renderBarcodeBitmap}) for graphics fallbacks, so a
 * fallback prints exactly what the preview shows.
 */
import { createCanvas } from "./canvas.ts";
import { blit, createBitmap, fillRect, type Bitmap } from "./bitmap.ts";
import { renderBarcodeBitmap } from "./barcode.ts";
import type { Label, LabelElement } from "./model.ts";
import { renderTextBitmap } from "./text.ts";

export { renderTextBitmap, layoutText, ensureFonts } from "./text.ts";
export { renderBarcodeBitmap, moduleDots } from "./barcode.ts";

/** Millimetres → dots at `dpi`: round(mm × dpi / 25.4). */
export function mmToDots(mm: number, dpi: number): number {
  return Math.round((mm * dpi) / 25.4);
}

/** Draws one element into `out`. */
export function drawElement(out: Bitmap, el: LabelElement, dpi: number): void {
  const d = (mm: number): number => mmToDots(mm, dpi);
  switch (el.type) {
    case "text":
      blit(out, renderTextBitmap(el, dpi), d(el.xMm), d(el.yMm));
      return;
    case "barcode":
      blit(out, renderBarcodeBitmap(el, dpi), d(el.xMm), d(el.yMm));
      return;
    case "image":
      blit(out, el.bitmap, d(el.xMm), d(el.yMm));
      return;
    case "line": {
      const t = Math.max(1, d(el.thicknessMm));
      fillRect(out, d(el.xMm), d(el.yMm), Math.max(t, d(el.widthMm)), Math.max(t, d(el.heightMm)));
      return;
    }
    case "box": {
      const t = Math.max(1, d(el.thicknessMm));
      const x = d(el.xMm);
      const y = d(el.yMm);
      const w = Math.max(t, d(el.widthMm));
      const h = Math.max(t, d(el.heightMm));
      fillRect(out, x, y, w, t);
      fillRect(out, x, y + h - t, w, t);
      fillRect(out, x, y, t, h);
      fillRect(out, x + w - t, y, t, h);
      return;
    }
  }
}

/** The whole label as printed at `dpi`. Throws RangeError for a barcode that cannot be encoded. */
export function renderLabel(label: Label, dpi: number): Bitmap {
  const out = createBitmap(mmToDots(label.widthMm, dpi), mmToDots(label.heightMm, dpi));
  for (const el of label.elements) drawElement(out, el, dpi);
  return out;
}

/** RGBA (0, 0, 0, 255) as a little- or big-endian word: alpha must be 255 either way. */
const BLACK = new Uint32Array(new Uint8Array([0, 0, 0, 255]).buffer)[0] ?? 0;

/** PNG bytes of a bitmap (black on white, one pixel per dot). */
export function bitmapToPng(b: Bitmap): Uint8Array {
  const canvas = createCanvas(Math.max(1, b.width), Math.max(1, b.height));
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(canvas.width, canvas.height);
  // One 32-bit RGBA word per dot: opaque black or opaque white (same value in either byte order).
  const px = new Uint32Array(img.data.buffer, img.data.byteOffset, canvas.width * canvas.height);
  px.fill(0xffffffff);
  for (let y = 0; y < b.height; y++) {
    const row = y * b.bytesPerRow;
    for (let i = 0; i < b.bytesPerRow; i++) {
      const v = b.data[row + i] ?? 0;
      if (v === 0) continue;
      for (let k = 0; k < 8; k++)
        if (v & (0x80 >> k) && i * 8 + k < b.width) px[y * canvas.width + i * 8 + k] = BLACK;
    }
  }
  ctx.putImageData(img, 0, 0);
  return new Uint8Array(canvas.toBuffer("image/png"));
}
