/**
 * 1-bit Windows BMP files, the graphic format TSPL printers keep in memory and print with `PUTBMP`
 * (TSPL/TSPL2 PM, "PUTBMP": monochrome BMP; "DOWNLOAD": files are stored as sent). Layout
 * (Microsoft BMP, BITMAPINFOHEADER): a 14-byte file header (`BM`, file size, 0, pixel data offset),
 * a 40-byte info header (size 40, width, height > 0 = rows bottom-up, 1 plane, 1 bit per pixel,
 * no compression), a 2-entry palette (B, G, R, 0), then the rows, each padded to 4 bytes. All
 * integers little-endian.
 *
 * Here a bit indexes the palette; this encoder writes palette 0 = black, 1 = white, the usual
 * monochrome palette, so a set bit is a white dot (as in TSPL `BITMAP`). Bitmaps in and out of
 * this module are black-is-1, MSB = leftmost dot. Sans-IO, never throws on file bytes.
 */
export interface MonoBitmap {
  width: number;
  height: number;
  bytesPerRow: number;
  /** Rows top to bottom, 1 = black dot, MSB = leftmost. */
  data: Uint8Array;
}

const FILE_HEADER = 14;
const INFO_HEADER = 40;
const PALETTE = 8;
export const BMP_HEADER_BYTES = FILE_HEADER + INFO_HEADER + PALETTE;

/** The BMP file of a black-is-1 bitmap. Throws RangeError on an empty or inconsistent bitmap. */
export function encodeBmp1(b: MonoBitmap): Uint8Array {
  if (b.width < 1 || b.height < 1 || b.bytesPerRow < Math.ceil(b.width / 8))
    throw new RangeError("bitmap must be at least 1 × 1 with room for its width");
  if (b.data.length < b.bytesPerRow * b.height) throw new RangeError("bitmap data too short");
  const stride = Math.ceil(Math.ceil(b.width / 8) / 4) * 4;
  const size = BMP_HEADER_BYTES + stride * b.height;
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  out[0] = 0x42; // B
  out[1] = 0x4d; // M
  v.setUint32(2, size, true);
  v.setUint32(10, BMP_HEADER_BYTES, true);
  v.setUint32(14, INFO_HEADER, true);
  v.setInt32(18, b.width, true);
  v.setInt32(22, b.height, true); // positive: bottom-up rows
  v.setUint16(26, 1, true); // planes
  v.setUint16(28, 1, true); // bits per pixel
  v.setUint32(30, 0, true); // BI_RGB, no compression
  v.setUint32(34, stride * b.height, true);
  v.setInt32(38, 8000, true); // ≈ 203 dpi in pixels per metre
  v.setInt32(42, 8000, true);
  v.setUint32(46, 2, true); // colours used
  // Palette: 0 = black (0,0,0,0), 1 = white (255,255,255,0).
  out.set([0, 0, 0, 0, 255, 255, 255, 0], FILE_HEADER + INFO_HEADER);
  const used = Math.ceil(b.width / 8);
  for (let y = 0; y < b.height; y++) {
    const row = BMP_HEADER_BYTES + (b.height - 1 - y) * stride;
    for (let i = 0; i < stride; i++) {
      // Black-is-1 in → palette index (1 = white) out; padding and the dots past the width white.
      let black = i < used ? (b.data[y * b.bytesPerRow + i] ?? 0) : 0;
      if (i === used - 1 && b.width % 8 !== 0) black &= (0xff << (8 - (b.width % 8))) & 0xff;
      out[row + i] = ~black & 0xff;
    }
  }
  return out;
}

/**
 * A 1-bit uncompressed BMP file → black-is-1 bitmap (a palette entry darker than mid grey is
 * black); undefined for anything else (another depth, compression, a short or inconsistent file).
 */
export function decodeBmp1(file: Uint8Array): MonoBitmap | undefined {
  if (file.length < BMP_HEADER_BYTES || file[0] !== 0x42 || file[1] !== 0x4d) return undefined;
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const offset = v.getUint32(10, true);
  const infoSize = v.getUint32(14, true);
  const width = v.getInt32(18, true);
  const rawHeight = v.getInt32(22, true);
  const bpp = v.getUint16(28, true);
  const compression = v.getUint32(30, true);
  if (infoSize < INFO_HEADER || bpp !== 1 || compression !== 0) return undefined;
  const height = Math.abs(rawHeight);
  if (width < 1 || height < 1 || width > 32768 || height > 32768) return undefined;
  const paletteAt = FILE_HEADER + infoSize;
  if (paletteAt + PALETTE > file.length) return undefined;
  const dark = [0, 1].map((i) => {
    const p = paletteAt + i * 4;
    const luma = ((file[p] ?? 0) + (file[p + 1] ?? 0) + (file[p + 2] ?? 0)) / 3;
    return luma < 128;
  });
  const stride = Math.ceil(Math.ceil(width / 8) / 4) * 4;
  if (offset + stride * height > file.length) return undefined;
  const bytesPerRow = Math.ceil(width / 8);
  const data = new Uint8Array(bytesPerRow * height);
  for (let y = 0; y < height; y++) {
    const src = offset + (rawHeight > 0 ? height - 1 - y : y) * stride;
    for (let x = 0; x < width; x++) {
      const bit = ((file[src + (x >> 3)] ?? 0) >> (7 - (x & 7))) & 1;
      if (dark[bit] === true) data[y * bytesPerRow + (x >> 3)]! |= 0x80 >> (x & 7);
    }
  }
  return { width, height, bytesPerRow, data };
}
