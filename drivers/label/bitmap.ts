/**
 * A 1-bit bitmap as printers take it: rows top to bottom, each row `bytesPerRow` bytes, the most
 * significant bit the leftmost dot, **1 = black** (ZPL `^GF`, ESC/POS `GS v 0`; TSPL `BITMAP` is
 * the inverse and its codec inverts). Pure data; no I/O.
 */
export interface Bitmap {
  /** Width in dots. */
  width: number;
  /** Height in dots. */
  height: number;
  /** ceil(width / 8). */
  bytesPerRow: number;
  /** bytesPerRow × height bytes; the padding bits at the end of a row are 0. */
  data: Uint8Array;
}

export function createBitmap(width: number, height: number): Bitmap {
  const w = Math.max(0, Math.floor(width));
  const h = Math.max(0, Math.floor(height));
  const bytesPerRow = Math.ceil(w / 8);
  return { width: w, height: h, bytesPerRow, data: new Uint8Array(bytesPerRow * h) };
}

export function getPixel(b: Bitmap, x: number, y: number): boolean {
  if (x < 0 || y < 0 || x >= b.width || y >= b.height) return false;
  return ((b.data[y * b.bytesPerRow + (x >> 3)] ?? 0) & (0x80 >> (x & 7))) !== 0;
}

export function setPixel(b: Bitmap, x: number, y: number, black = true): void {
  if (x < 0 || y < 0 || x >= b.width || y >= b.height) return;
  const i = y * b.bytesPerRow + (x >> 3);
  const m = 0x80 >> (x & 7);
  b.data[i] = black ? (b.data[i] ?? 0) | m : (b.data[i] ?? 0) & ~m;
}

/** Blackens the rectangle [x, x+w) × [y, y+h), clipped to the bitmap. */
export function fillRect(b: Bitmap, x: number, y: number, w: number, h: number): void {
  const x0 = Math.max(0, Math.round(x));
  const y0 = Math.max(0, Math.round(y));
  const x1 = Math.min(b.width, Math.round(x + w));
  const y1 = Math.min(b.height, Math.round(y + h));
  for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) setPixel(b, xx, yy);
}

/** ORs `src` into `dst` with its top-left at (x, y) (black wins), clipped to `dst`. */
export function blit(dst: Bitmap, src: Bitmap, x: number, y: number): void {
  if (x < 0 || x + src.width > dst.width) {
    // Clipped horizontally: the simple per-dot path.
    for (let sy = 0; sy < src.height; sy++)
      for (let sx = 0; sx < src.width; sx++)
        if (getPixel(src, sx, sy)) setPixel(dst, x + sx, y + sy);
    return;
  }
  const shift = x & 7;
  const base = x >> 3;
  for (let sy = 0; sy < src.height; sy++) {
    const dy = y + sy;
    if (dy < 0 || dy >= dst.height) continue;
    const srow = sy * src.bytesPerRow;
    const drow = dy * dst.bytesPerRow + base;
    for (let i = 0; i < src.bytesPerRow; i++) {
      const v = src.data[srow + i] ?? 0;
      if (v === 0) continue;
      dst.data[drow + i] = (dst.data[drow + i] ?? 0) | (v >> shift);
      if (shift !== 0 && base + i + 1 < dst.bytesPerRow)
        dst.data[drow + i + 1] = (dst.data[drow + i + 1] ?? 0) | ((v << (8 - shift)) & 0xff);
    }
  }
}

/** Number of black dots (tests, previews). */
export function countBlack(b: Bitmap): number {
  let n = 0;
  for (const byte of b.data) {
    let v = byte;
    while (v !== 0) {
      v &= v - 1;
      n++;
    }
  }
  return n;
}

/** The bitmap turned clockwise by `deg`. */
export function rotateBitmap(b: Bitmap, deg: 0 | 90 | 180 | 270): Bitmap {
  if (deg === 0) return b;
  const out = deg === 180 ? createBitmap(b.width, b.height) : createBitmap(b.height, b.width);
  for (let y = 0; y < b.height; y++) {
    for (let x = 0; x < b.width; x++) {
      if (!getPixel(b, x, y)) continue;
      if (deg === 90) setPixel(out, b.height - 1 - y, x);
      else if (deg === 180) setPixel(out, b.width - 1 - x, b.height - 1 - y);
      else setPixel(out, y, b.width - 1 - x);
    }
  }
  return out;
}

/** The same dots with every bit inverted inside the width (padding bits stay 0). */
export function invertBitmap(b: Bitmap): Bitmap {
  const out = createBitmap(b.width, b.height);
  for (let y = 0; y < b.height; y++)
    for (let x = 0; x < b.width; x++) if (!getPixel(b, x, y)) setPixel(out, x, y);
  return out;
}

/** True when both have the same size and the same dots. */
export function bitmapsEqual(a: Bitmap, b: Bitmap): boolean {
  if (a.width !== b.width || a.height !== b.height) return false;
  for (let y = 0; y < a.height; y++)
    for (let x = 0; x < a.width; x++) if (getPixel(a, x, y) !== getPixel(b, x, y)) return false;
  return true;
}

/** Every dot drawn as an n × n block. */
export function scaleBitmap(b: Bitmap, n: number): Bitmap {
  const out = createBitmap(b.width * n, b.height * n);
  for (let y = 0; y < b.height; y++)
    for (let x = 0; x < b.width; x++) if (getPixel(b, x, y)) fillRect(out, x * n, y * n, n, n);
  return out;
}
