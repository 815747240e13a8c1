/**
 * Dithering for photographic regions only (reference/device-protocols.md §6.3): text and barcodes
 * are thresholded, never dithered. Grey levels (0 black … 255 white) → palette indexes 0 white /
 * 1 black. Ordered 4×4 Bayer is deterministic (golden tests); Atkinson diffuses 6/8 of the error
 * (higher contrast, less noise, suits e-paper).
 */
import { BLACK, WHITE, createIndexed, type IndexedImage } from "./planes.ts";

const BAYER4 = [0, 8, 2, 10, 12, 4, 14, 6, 3, 11, 1, 9, 15, 7, 13, 5] as const;

export function ditherBayer(grey: Uint8Array, width: number, height: number): IndexedImage {
  if (grey.length !== width * height) throw new RangeError("grey image has the wrong length");
  const img = createIndexed(width, height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const t = ((BAYER4[(y & 3) * 4 + (x & 3)] ?? 0) + 0.5) * 16;
      img.px[y * width + x] = (grey[y * width + x] ?? 255) < t ? BLACK : WHITE;
    }
  return img;
}

export function ditherAtkinson(grey: Uint8Array, width: number, height: number): IndexedImage {
  if (grey.length !== width * height) throw new RangeError("grey image has the wrong length");
  const img = createIndexed(width, height);
  const buf = Float32Array.from(grey);
  const spread = (x: number, y: number, e: number): void => {
    if (x >= 0 && x < width && y < height) buf[y * width + x] = (buf[y * width + x] ?? 0) + e;
  };
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const old = buf[y * width + x] ?? 255;
      const v = old < 128 ? 0 : 255;
      img.px[y * width + x] = v === 0 ? BLACK : WHITE;
      const e = (old - v) / 8;
      spread(x + 1, y, e);
      spread(x + 2, y, e);
      spread(x - 1, y + 1, e);
      spread(x, y + 1, e);
      spread(x + 1, y + 1, e);
      spread(x, y + 2, e);
    }
  return img;
}
