/**
 * A minimal PNG reader for tests (RFC 2083 / PNG spec §11–12): non-interlaced images of colour
 * types 0 (grey), 2 (RGB), 3 (palette), 4 (grey + alpha) and 6 (RGBA), bit depth 8 (and 1, 2, 4
 * for grey and palette). Gives a darkness test per pixel, enough to check where a label has ink.
 */
import { inflateSync } from "node:zlib";

export interface InkImage {
  width: number;
  height: number;
  /** True when the pixel is dark (luminance below half, alpha counted as white). */
  ink(x: number, y: number): boolean;
}

export function readPng(png: Uint8Array): InkImage {
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let off = 8;
  let width = 0;
  let height = 0;
  let depth = 8;
  let type = 0;
  let palette: Uint8Array = new Uint8Array(0);
  const idat: Uint8Array[] = [];
  while (off + 8 <= png.length) {
    const len = dv.getUint32(off);
    const kind = String.fromCharCode(...png.subarray(off + 4, off + 8));
    const data = png.subarray(off + 8, off + 8 + len);
    if (kind === "IHDR") {
      width = dv.getUint32(off + 8);
      height = dv.getUint32(off + 12);
      depth = data[8] ?? 8;
      type = data[9] ?? 0;
      if ((data[12] ?? 0) !== 0) throw new RangeError("interlaced PNG not supported");
    } else if (kind === "PLTE") palette = data;
    else if (kind === "IDAT") idat.push(data);
    else if (kind === "IEND") break;
    off += 12 + len;
  }
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[type];
  if (channels === undefined) throw new RangeError(`PNG colour type ${type} not supported`);
  const bpp = Math.max(1, (channels * depth) / 8);
  const stride = Math.ceil((width * channels * depth) / 8);
  const raw = inflateSync(Buffer.concat(idat));
  const px = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)] ?? 0;
    for (let i = 0; i < stride; i++) {
      const cur = raw[y * (stride + 1) + 1 + i] ?? 0;
      const a = i >= bpp ? (px[y * stride + i - bpp] ?? 0) : 0;
      const b = y > 0 ? (px[(y - 1) * stride + i] ?? 0) : 0;
      const c = i >= bpp && y > 0 ? (px[(y - 1) * stride + i - bpp] ?? 0) : 0;
      let v = cur;
      if (f === 1) v = cur + a;
      else if (f === 2) v = cur + b;
      else if (f === 3) v = cur + ((a + b) >> 1);
      else if (f === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v = cur + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
      }
      px[y * stride + i] = v & 0xff;
    }
  }
  const sample = (x: number, y: number, ch: number): number => {
    if (depth === 8) return px[y * stride + x * channels + ch] ?? 0;
    const bit = x * depth;
    const byte = px[y * stride + (bit >> 3)] ?? 0;
    const v = (byte >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
    return type === 3 ? v : Math.round((v * 255) / ((1 << depth) - 1));
  };
  return {
    width,
    height,
    ink(x, y) {
      let r: number, g: number, b: number;
      let alpha = 255;
      if (type === 3) {
        const i = sample(x, y, 0) * 3;
        [r, g, b] = [palette[i] ?? 0, palette[i + 1] ?? 0, palette[i + 2] ?? 0];
      } else if (type === 0 || type === 4) {
        r = g = b = sample(x, y, 0);
        if (type === 4) alpha = sample(x, y, 1);
      } else {
        [r, g, b] = [sample(x, y, 0), sample(x, y, 1), sample(x, y, 2)];
        if (type === 6) alpha = sample(x, y, 3);
      }
      if (alpha < 128) return false;
      return 0.299 * r + 0.587 * g + 0.114 * b < 128;
    },
  };
}

/** Dark pixels in the rectangle (pixel coordinates, clipped to the image). */
export function inkIn(img: InkImage, x0: number, y0: number, x1: number, y1: number): number {
  let n = 0;
  for (let y = Math.max(0, y0); y < Math.min(img.height, y1); y++)
    for (let x = Math.max(0, x0); x < Math.min(img.width, x1); x++) if (img.ink(x, y)) n++;
  return n;
}
